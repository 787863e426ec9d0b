"""Pytest fixtures shared by the write-side profiles (imported by their ``conftest.py``).

``wire`` calls the target with the organization's key (through the plugin's ``api`` client),
``run_prefix_name`` names everything this run creates, ``run_program`` is the run's program
(created once), ``ledger`` is a fresh model-checked session per test (its own model; the
assets and participants it creates are new), and ``own_evidence`` is the data the run writes for
the read-only contracts (``scrip_conformance.provisioning.evidence``).
"""

from __future__ import annotations

import pytest

from scrip_conformance.client import TargetClient
from scrip_conformance.model import LedgerModel
from scrip_conformance.provisioning import evidence
from scrip_conformance.provisioning.sandbox import Sandbox, run_prefix
from scrip_conformance.provisioning.session import LedgerSession
from scrip_conformance.provisioning.wire import HttpWire
from scrip_conformance.target import Target


@pytest.fixture(scope="session")
def wire(api: TargetClient) -> HttpWire:
    """The plugin's client (``api``, writing since a write-side profile is selected)."""
    return HttpWire(api)


@pytest.fixture(scope="session")
def run_prefix_name() -> str:
    return run_prefix()


@pytest.fixture(scope="session")
def run_program(wire: HttpWire, run_prefix_name: str) -> str:
    return Sandbox(wire, LedgerModel(), run_prefix_name).program_id


def new_session(wire: HttpWire, run_prefix_name: str, run_program: str) -> LedgerSession:
    """A fresh model-checked session: its own model, the run's prefix and program."""
    model = LedgerModel()
    return LedgerSession(wire, Sandbox(wire, model, run_prefix_name, run_program), model)


@pytest.fixture
def ledger(wire: HttpWire, run_prefix_name: str, run_program: str, target: Target) -> LedgerSession:
    """A fresh session whose checkpoints read (or, in the quick budget, leave to the test's
    final check) the state between writes (:meth:`LedgerSession.checkpoint`)."""
    session = new_session(wire, run_prefix_name, run_program)
    session.every_write = bool(target.limits.get("check_every_write", True))
    return session


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
