"""The write-side contract tests run side by side, reported one after another in the serial order.

Across a network each write is a round trip, and a write-side test is a chain of them judged in
lock-step with its model: one test after another, the round trips add up. Yet the write-side
test files (the *units*) only write to and judge what they create themselves (their own
participants, their own assets where they judge an asset-wide figure), so they may run at the
same time (as :mod:`scrip_conformance.parallel_schedule` runs them on pytest-xdist's workers).

A test written as ``@scenario def test_x(ledger, target): ...`` is such a test. When the first
one's turn comes, :class:`SideBySide` starts every selected unit, ``--concurrency`` of them at a
time, each on a thread of its own running its scenarios in the file's order; each test then
waits for its own scenario's outcome and reports it (its exception, its witnesses, its requests)
as if it had run it itself. Everything a test reports is its own scenario's alone: the requests
it sent (counted apart, :func:`metering.diverted`), what its model compared
(:func:`witnesses.kept_apart`), the witnesses it recorded. So for a given seed the verdicts and
the order of findings are a serial run's; only the waiting overlaps. With ``--concurrency 1``
(and on an xdist worker, which runs a share of the tests) each scenario runs when its test's
turn comes, in the test's own thread: the serial run.

A scenario's arguments are resolved by name: ``ledger`` (a fresh model-checked session),
``witness``, the session's ``target``, ``wire``, ``api``, ``run_prefix_name``, ``run_program``
and ``run_assets``, and the unit's own set-ups (:func:`unit_fixture`, once per unit, like a
module-scoped fixture; :func:`scenario_fixture`, once per scenario).
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass, field
from typing import Any

import pytest

from scrip_conformance import ast_guard, metering, witnesses
from scrip_conformance.recording import recorder as recording

SESSION_VALUES = ("target", "wire", "api", "run_prefix_name", "run_program", "run_assets")
"""The session's fixtures a scenario may take by name (resolved once, in the main thread)."""

ENGINE_KEY = pytest.StashKey["SideBySide"]()
"""Where the session's :class:`SideBySide` is kept (once its first scenario's turn came)."""

_SCENARIO = "_scrip_scenario"
START_FIRST = "START_FIRST"
"""A test module setting this true takes long (it waits): its unit starts before the others."""
_FIXTURES = "_scrip_scenario_fixtures"


@dataclass(frozen=True)
class ScenarioFixture:
    """A set-up a scenario takes by name: once per unit or once per scenario."""

    func: Callable[..., Any]
    per_unit: bool

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(inspect.signature(self.func).parameters)


def _register(func: Callable[..., Any], per_unit: bool) -> Callable[..., Any]:
    """Keep ``func`` in its module's registry (its globals: a module loaded from a path too)."""
    registry = func.__globals__.setdefault(_FIXTURES, {})
    registry[func.__name__] = ScenarioFixture(func, per_unit)
    return func


def unit_fixture(func: Callable[..., Any]) -> Callable[..., Any]:
    """A set-up shared by the scenarios of its module (made once, on the unit's thread, by the
    first scenario taking it; a generator's code after ``yield`` runs when the unit ends)."""
    return _register(func, per_unit=True)


def scenario_fixture(func: Callable[..., Any]) -> Callable[..., Any]:
    """A set-up made afresh for each scenario taking it (a generator is closed after it)."""
    return _register(func, per_unit=False)


def scenario(func: Callable[..., Any]) -> Callable[..., Any]:
    """A write-side contract test that may run side by side with the other units' (see the
    module's docstring). The test pytest sees takes ``side_by_side`` and ``witness`` and
    reports ``func``'s outcome; its name, marks, docstring and location are ``func``'s."""

    def test(side_by_side: SideBySide, witness: Any, request: pytest.FixtureRequest) -> None:
        side_by_side.report(request.node.nodeid, witness)

    test.__name__ = func.__name__
    test.__qualname__ = func.__qualname__
    test.__doc__ = func.__doc__
    test.__module__ = func.__module__
    test.__wrapped__ = func  # type: ignore[attr-defined]  # pytest's location: the scenario's
    test.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD)
            for name in ("side_by_side", "witness", "request")
        ]
    )
    if hasattr(func, "pytestmark"):  # marks put below the decorator
        test.pytestmark = list(func.pytestmark)  # type: ignore[attr-defined]
    setattr(test, _SCENARIO, func)
    return test


def scenario_of(item: pytest.Item) -> Callable[..., Any] | None:
    """The scenario a collected test reports, if it is one."""
    return getattr(getattr(item, "obj", None), _SCENARIO, None)


@dataclass
class Outcome:
    """What one scenario left for its test to report."""

    error: BaseException | None = None
    requests: metering.Reading = field(default_factory=metering.Reading)
    checks: witnesses.Witnesses = field(default_factory=dict)
    witnessed: list[tuple[str, str, int]] = field(default_factory=list)


class _Witness:
    """The ``witness`` a scenario records with: kept for its test to record."""

    def __init__(self) -> None:
        self.recorded: list[tuple[str, str, int]] = []

    def __call__(self, contract_id: str, what: str, count: int = 1) -> None:
        self.recorded.append((contract_id, what, count))


@dataclass(frozen=True)
class _Raised:
    """What a job raised: raised again to the test that takes its result."""

    error: BaseException


class Unit:
    """One test file's scenarios, run in its order, with the set-ups they share."""

    def __init__(self, name: str, nodeids: list[str], engine: SideBySide) -> None:
        self.name = name
        self.nodeids = nodeids
        self._engine = engine
        self._next = 0
        self._made: dict[str, Any] = {}
        self._failed: dict[str, BaseException] = {}
        self._teardowns: list[Iterator[Any]] = []
        self._lock = threading.Lock()

    def run_until(self, nodeid: str) -> None:
        """Run the unit's scenarios up to ``nodeid``'s (those before it first, in order)."""
        with self._lock:
            while self._next < len(self.nodeids) and nodeid not in self._engine.outcomes:
                self._run_next()

    def run_all(self) -> None:
        with self._lock:
            while self._next < len(self.nodeids):
                self._run_next()

    def _run_next(self) -> None:
        nodeid = self.nodeids[self._next]
        self._next += 1
        outcome = self._engine.run_scenario(self, nodeid)
        self._engine.settle(nodeid, outcome)
        if self._next == len(self.nodeids):
            self.finish()

    def finish(self) -> None:
        """Tear the unit's set-ups down (the last made first)."""
        while self._teardowns:
            _close(self._teardowns.pop())

    def value(self, name: str, fixture: ScenarioFixture, resolve: Callable[[str], Any]) -> Any:
        """The unit's set-up ``name``, made on first use (a failure is raised to every taker)."""
        if name in self._failed:
            raise self._failed[name]
        if name not in self._made:
            try:
                self._made[name] = _call(fixture, resolve, self._teardowns)
            except BaseException as exc:
                self._failed[name] = exc
                raise
        return self._made[name]


def _call(fixture: ScenarioFixture, resolve: Callable[[str], Any], teardowns: list) -> Any:
    made = fixture.func(**{p: resolve(p) for p in fixture.params})
    if inspect.isgenerator(made):
        value = next(made)
        teardowns.append(made)
        return value
    return made


def _close(generator: Iterator[Any]) -> None:
    try:
        next(generator)
    except StopIteration:
        pass


class SideBySide:
    """Runs the session's scenarios (see the module's docstring) and hands each test its
    scenario's outcome."""

    def __init__(
        self,
        values: dict[str, Any],
        make_ledger: Callable[[], Any],
        concurrency: int,
    ) -> None:
        self.units: dict[str, Unit] = {}
        self.unit_of: dict[str, Unit] = {}
        self.scenarios: dict[str, Callable[..., Any]] = {}
        self.outcomes: dict[str, Outcome] = {}
        self._values = values
        self._make_ledger = make_ledger
        self._concurrency = max(1, concurrency)
        self._stop = threading.Event()
        self._settled = threading.Condition()
        self._pool: ThreadPoolExecutor | None = None
        self._running: list[Future[None]] = []
        self._jobs: dict[str, tuple[Callable[[], Any], Callable[[Any], Any]]] = {}
        self._meters: dict[str, metering.StoppableMeter] = {}
        self._prepared: dict[str, Any] = {}
        self._done: dict[str, Future[tuple[Any, metering.Reading]]] = {}
        self._taken: set[str] = set()

    def add(self, nodeid: str, unit_name: str, func: Callable[..., Any]) -> None:
        """A selected scenario test (in the serial order) and the unit it belongs to."""
        unit = self.units.get(unit_name)
        if unit is None:
            unit = self.units[unit_name] = Unit(unit_name, [], self)
        unit.nodeids.append(nodeid)
        self.unit_of[nodeid] = unit
        self.scenarios[nodeid] = func

    def new_ledger(self) -> Any:
        """A fresh model-checked session, as a scenario's ``ledger``."""
        return self._make_ledger()

    def ahead(self, name: str, prepare: Callable[[], Any], job: Callable[[Any], Any]) -> None:
        """Another piece of work that only writes to and judges what it creates (the fuzzing
        run): ``prepare()`` runs when the units start, in the caller's thread (what it reads of
        the target is then the same whatever runs beside the job later: the fuzzing run's
        discovery of the target's data), ``job(prepared)`` beside the units, or, one after
        another, when the target must be quiet (:meth:`quiesce`); the result is
        :meth:`take`-n by the tests that judge it. Its requests count apart, charged then."""
        self._jobs[name] = (prepare, job)
        self._meters[name] = metering.StoppableMeter(self._stop)

    @property
    def side_by_side(self) -> bool:
        return self._concurrency > 1 and len(self.units) + len(self._jobs) > 1

    def start(self) -> None:
        """Prepare every job, then start every job and unit, ``concurrency`` at a time, in the
        serial order (the units' scenarios wait for their tests' turn at concurrency 1)."""
        for name in self._jobs:
            if name not in self._prepared:
                self._prepared[name] = self._in_job(name, self._jobs[name][0])
        if not self.side_by_side or self._pool is not None:
            return
        ast_guard.install()  # pytest, hypothesis and schemathesis parse source in every thread
        self._pool = ThreadPoolExecutor(
            min(self._concurrency, len(self.units) + len(self._jobs)),
            thread_name_prefix="scrip-side-by-side",
        )
        for name in self._jobs:  # first: the longest piece of work
            self._done[name] = self._pool.submit(copy_context().run, self._run_job, name)
        self._running = [
            self._pool.submit(copy_context().run, unit.run_all) for unit in self._by_length()
        ]

    def _by_length(self) -> list[Unit]:
        """The units, those whose module says it takes long (``START_FIRST = True``: the clock
        scenarios' waits) first, so that no long unit starts last; the serial order otherwise."""
        units = list(self.units.values())
        return sorted(units, key=lambda unit: not self._starts_first(unit))

    def _starts_first(self, unit: Unit) -> bool:
        func = self.scenarios[unit.nodeids[0]]
        return bool(getattr(func, "__globals__", {}).get(START_FIRST, False))

    def _in_job(self, name: str, call: Callable[[], Any]) -> Any:
        """``call()`` counted in the job's meter and recorded under its phase; what it raised
        is its result (raised to the test that takes it)."""
        with metering.diverted(self._meters[name]), recording.phase_of_context(name):
            try:
                return call()
            except BaseException as exc:  # raised to the test that takes it
                return _Raised(exc)

    def _run_job(self, name: str) -> tuple[Any, metering.Reading]:
        prepared = self._prepared[name]
        if isinstance(prepared, _Raised):
            return prepared, self._meters[name].reading()
        result = self._in_job(name, lambda: self._jobs[name][1](prepared))
        return result, self._meters[name].reading()

    def quiesce(self) -> None:
        """Wait until nothing runs beside the caller: every unit's scenarios done and every
        job finished (a job not run yet runs now, in this thread)."""
        if self._pool is None:
            for name in self._jobs:
                if name not in self._done:
                    done: Future[tuple[Any, metering.Reading]] = Future()
                    done.set_result(self._run_job(name))
                    self._done[name] = done
            return
        pending: list[Future[Any]] = [*self._done.values(), *self._running]
        for future in pending:
            future.result()

    def has_job(self, name: str) -> bool:
        return name in self._jobs

    def take(self, name: str) -> Any:
        """A job's result (after :meth:`quiesce`), its requests counted now; its error raised."""
        self.quiesce()
        result, requests = self._done[name].result()
        if name not in self._taken:
            self._taken.add(name)
            metering.meter().absorb(requests)
        if isinstance(result, _Raised):
            raise result.error
        return result

    # -- running one scenario (on its unit's thread, or in its test's turn) ------------------
    def run_scenario(self, unit: Unit, nodeid: str) -> Outcome:
        func = self.scenarios[nodeid]
        outcome = Outcome()
        meter = metering.StoppableMeter(self._stop)
        recorded = _Witness()
        closing: list[Iterator[Any]] = []
        fresh: dict[str, Any] = {}
        fixtures: dict[str, ScenarioFixture] = getattr(func, "__globals__", {}).get(_FIXTURES, {})

        def resolve(name: str) -> Any:
            if name in fresh:
                return fresh[name]
            if name == "ledger":
                fresh[name] = self._make_ledger()
            elif name == "witness":
                fresh[name] = recorded
            elif name in fixtures and fixtures[name].per_unit:
                return unit.value(name, fixtures[name], resolve)
            elif name in fixtures:
                fresh[name] = _call(fixtures[name], resolve, closing)
            elif name in self._values:
                return self._values[name]
            else:
                raise LookupError(f"{nodeid}: a scenario cannot take {name!r}")
            return fresh[name]

        params = inspect.signature(func).parameters
        with (
            metering.diverted(meter),
            witnesses.kept_apart() as checks,
            recording.phase_of_context("contracts"),
        ):
            try:
                if self._stop.is_set():
                    raise metering.Stopped("the run stopped before this scenario")
                func(**{name: resolve(name) for name in params})
            except BaseException as exc:  # reported by its test, in the serial order
                outcome.error = exc
            finally:
                while closing:
                    _close(closing.pop())
        outcome.requests = meter.reading()
        outcome.checks = checks
        outcome.witnessed = recorded.recorded
        return outcome

    def settle(self, nodeid: str, outcome: Outcome) -> None:
        with self._settled:
            self.outcomes[nodeid] = outcome
            self._settled.notify_all()

    # -- the test's side --------------------------------------------------------------------
    def report(self, nodeid: str, witness: Callable[[str, str, int], None]) -> None:
        """Take ``nodeid``'s outcome (waiting for it, or running it now) and report it as the
        test's own: its requests and checks counted now, its witnesses, its exception."""
        unit = self.unit_of.get(nodeid)
        if unit is None:
            raise LookupError(f"{nodeid} is not a selected scenario of this session")
        if self._pool is None:
            unit.run_until(nodeid)
        with self._settled:
            while nodeid not in self.outcomes:
                if self._pool is not None and all(f.done() for f in self._running):
                    if nodeid not in self.outcomes:  # its unit's thread ended without it
                        raise RuntimeError(f"{nodeid}: its scenario never ran (the run stopped)")
                self._settled.wait(timeout=1.0)
        outcome = self.outcomes.pop(nodeid)
        metering.meter().absorb(outcome.requests)
        for contract_id, kinds in outcome.checks.items():
            for what, count in kinds.items():
                witnesses.MODEL_CHECKS.add(contract_id, what, count)
        for contract_id, what, count in outcome.witnessed:
            witness(contract_id, what, count)
        if outcome.error is not None:
            raise outcome.error

    def close(self) -> None:
        """Stop: a scenario still running sends nothing more; every unit's set-ups torn down."""
        self._stop.set()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        for unit in self.units.values():
            unit.finish()


def unit_name(nodeid: str) -> str:
    """The unit of a test: its file."""
    return nodeid.split("::", 1)[0]


def quiet_target_for(item: pytest.Item) -> None:
    """Before a test that is no scenario (a read-only contract judges the whole organization):
    wait until nothing runs beside it."""
    engine = item.config.stash.get(ENGINE_KEY, None)
    if engine is not None and scenario_of(item) is None:
        engine.quiesce()


__all__ = [
    "ENGINE_KEY",
    "SESSION_VALUES",
    "Outcome",
    "SideBySide",
    "scenario",
    "scenario_fixture",
    "scenario_of",
    "unit_fixture",
    "quiet_target_for",
    "unit_name",
]
