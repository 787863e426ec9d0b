"""Pytest fixtures shared by the write-side profiles (imported by their ``conftest.py``).

``wire`` calls the target with the organization's key (through the plugin's ``api`` client),
``run_prefix_name`` names everything this run creates, ``run_program`` is the run's program
(created once), ``run_assets`` the assets the tests share (:class:`RunAssets`), ``ledger`` is a
fresh model-checked session per test (its own model; the participants it creates are new), and
``own_evidence`` is the data the run writes for the read-only contracts
(``scrip_conformance.provisioning.evidence``), and ``side_by_side`` runs the tests written as
scenarios (``scrip_conformance.provisioning.side_by_side``).

Each profile's ``conftest.py`` imports these fixtures, which makes a session fixture of each
directory of its own: the prefix, the program and the shared assets are kept in the session's
stash, so the whole run has one of each.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

import pytest

from scrip_conformance.client import TargetClient
from scrip_conformance.model import LedgerModel
from scrip_conformance.provisioning import evidence
from scrip_conformance.provisioning.sandbox import RunAssets, Sandbox, run_prefix
from scrip_conformance.provisioning.session import LedgerSession, extension_supported
from scrip_conformance.provisioning.side_by_side import (
    ENGINE_KEY,
    SESSION_VALUES,
    SideBySide,
    scenario_of,
    unit_name,
)
from scrip_conformance.provisioning.wire import HttpWire
from scrip_conformance.target import Target

T = TypeVar("T")
_PREFIX = pytest.StashKey[str]()
_PROGRAM = pytest.StashKey[str]()
_ASSETS = pytest.StashKey[RunAssets]()


def _once(request: pytest.FixtureRequest, key: pytest.StashKey[T], make: Callable[[], T]) -> T:
    """The run's one value under ``key``, made by the first directory asking for it."""
    stash = request.config.stash
    if key not in stash:
        stash[key] = make()
    return stash[key]


@pytest.fixture(scope="session")
def wire(api: TargetClient, target: Target) -> HttpWire:
    """The plugin's client (``api``, writing since a write-side profile is selected); reads
    that do not depend on each other go ``--concurrency`` at a time."""
    return HttpWire(api, concurrency=target.concurrency)


@pytest.fixture(scope="session")
def run_prefix_name(request: pytest.FixtureRequest) -> str:
    return _once(request, _PREFIX, run_prefix)


@pytest.fixture(scope="session")
def run_program(request: pytest.FixtureRequest, wire: HttpWire, run_prefix_name: str) -> str:
    return _once(
        request, _PROGRAM, lambda: Sandbox(wire, LedgerModel(), run_prefix_name).program_id
    )


@pytest.fixture(scope="session")
def run_assets(request: pytest.FixtureRequest) -> RunAssets:
    return _once(request, _ASSETS, RunAssets)


def new_session(
    wire: HttpWire, run_prefix_name: str, run_program: str, shared: RunAssets | None = None
) -> LedgerSession:
    """A fresh model-checked session: its own model, the run's prefix and program (and the
    run's shared assets, when given)."""
    model = LedgerModel()
    sandbox = Sandbox(wire, model, run_prefix_name, run_program, shared)
    return LedgerSession(wire, sandbox, model)


def budget_session(
    wire: HttpWire, run_prefix_name: str, run_program: str, run_assets: RunAssets, target: Target
) -> LedgerSession:
    """A fresh session whose checkpoints read (or, in the quick budget, leave to the test's
    final check) the state between writes (:meth:`LedgerSession.checkpoint`)."""
    session = new_session(wire, run_prefix_name, run_program, run_assets)
    session.every_write = bool(target.limits.get("check_every_write", True))
    return session


@pytest.fixture
def ledger(
    wire: HttpWire, run_prefix_name: str, run_program: str, run_assets: RunAssets, target: Target
) -> LedgerSession:
    """A fresh session, checked as the budget says (:func:`budget_session`)."""
    return budget_session(wire, run_prefix_name, run_program, run_assets, target)


@pytest.fixture(scope="session")
def side_by_side(request: pytest.FixtureRequest, target: Target) -> Iterator[SideBySide]:
    """The session's scenarios, started when the first one's turn comes: ``--concurrency``
    units at a time; one after another on an xdist worker (it runs a share of the tests). The
    session's fuzzing run, when it is selected, runs beside them (it writes only to what it
    provisions), before the read-only profile, which waits for a quiet target."""
    stash = request.config.stash
    if ENGINE_KEY in stash:
        yield stash[ENGINE_KEY]
        return
    values = {name: request.getfixturevalue(name) for name in SESSION_VALUES}
    concurrency = 1 if os.environ.get("PYTEST_XDIST_WORKER") else target.concurrency
    engine = SideBySide(
        values,
        lambda: budget_session(
            values["wire"],
            values["run_prefix_name"],
            values["run_program"],
            values["run_assets"],
            target,
        ),
        concurrency,
    )
    fuzzing = False
    for item in request.session.items:
        func = scenario_of(item)
        if func is not None:
            engine.add(item.nodeid, unit_name(item.nodeid), func)
        fuzzing = fuzzing or "fuzz_report" in getattr(item, "fixturenames", ())
    if engine.units:
        _make_shared(engine, target)
    if fuzzing and not os.environ.get("PYTEST_XDIST_WORKER"):
        from scrip_conformance.fuzzing import plugin as fuzzing_plugin

        engine.ahead(fuzzing_plugin.JOB, *fuzzing_plugin.ahead_of_time(request.config, target))
    stash[ENGINE_KEY] = engine
    engine.start()
    try:
        yield engine
    finally:
        engine.close()


@pytest.fixture(scope="session")
def own_evidence(
    wire: HttpWire, run_prefix_name: str, run_program: str, target: Target
) -> evidence.Evidence:
    """The run's evidence for the read-only contracts, written once per session."""
    return evidence.build(
        wire,
        run_prefix_name,
        run_program,
        skew=target.skew,
        extension=target.supports("extension"),
    )


SHARED_KINDS = (("LOT", 2), ("LOT", 0), ("SIMPLE", 2))
"""The assets the write-side tests share (their places: the first one alone in a budget with
``write_places``)."""


def _make_shared(engine: SideBySide, target: Target) -> None:
    """What the scenarios share, made before they start (charged to provisioning, to no test):
    the shared assets and the extension probe. Made on first use instead, each would be paid
    by whichever scenario came first, which side by side is not always the serial run's."""
    session = engine.new_ledger()
    try:
        for mode, scale in places(target, SHARED_KINDS):
            session.sandbox.shared_asset(mode, scale)
        extension_supported(session)
    except Exception:  # noqa: BLE001 - the first scenario needing it meets the error itself
        return


def places(target: Target, cases: Sequence[T]) -> Sequence[T]:
    """The places (inventory mode, scale, ...) a write-side test repeats its scenario at: all
    of them, or the budget's ``write_places`` first ones (the first place is the one whose
    scenario catches the most: a LOT asset of scale 2)."""
    limit = target.limits.get("write_places")
    return cases if limit is None else cases[:limit]
