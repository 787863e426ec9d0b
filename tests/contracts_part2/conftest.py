"""Fixtures of the part-2 suite tests: a reference server (correct, or with a broken Ledger
subclass) and a runner of the write-side contract profiles against it (in a subprocess)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from scrip_conformance.model import LedgerModel
from scrip_conformance.provisioning.sandbox import Sandbox
from scrip_conformance.provisioning.session import LedgerSession
from scrip_conformance.provisioning.wire import HttpWire
from scrip_conformance.reference.server import ReferenceServer
from scrip_conformance.resources import contracts_dir

KEYS = {"sk_a": "org-a", "sk_b": "org-b"}
PROFILES = ("provisioning", "extension", "concurrency", "isolation")


@pytest.fixture
def reference() -> Iterator[Callable[..., ReferenceServer]]:
    """``reference(ledger_factory=None)``: a started reference server with two organizations."""
    servers: list[ReferenceServer] = []

    def start(ledger_factory=None) -> ReferenceServer:
        server = ReferenceServer(api_keys=KEYS, ledger_factory=ledger_factory)
        servers.append(server.start())
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def session_on() -> Iterator[Callable[[ReferenceServer], LedgerSession]]:
    """``session_on(server)``: a model-checked session on ``server`` (organization ``sk_a``)."""
    wires: list[HttpWire] = []

    def make(server: ReferenceServer) -> LedgerSession:
        wire = HttpWire.connect(server.base_url, "sk_a")
        wires.append(wire)
        model = LedgerModel()
        return LedgerSession(wire, Sandbox(wire, model), model)

    yield make
    for wire in wires:
        wire.close()


@dataclass
class SuiteRun:
    returncode: int
    output: str

    def failed_contracts(self) -> set[str]:
        """Contract ids named by the violations in the failure report."""
        return set(re.findall(r"^\[([A-Z0-9-]+)\] ", self.output, flags=re.MULTILINE))

    def count(self, outcome: str) -> int:
        found = re.search(rf"(\d+) {outcome}", self.output)
        return int(found.group(1)) if found else 0


@pytest.fixture
def run_suite(tmp_path):
    """``run_suite(server, *args)``: the write-side profiles against ``server`` (quick budget)."""

    def run(server: ReferenceServer, *extra: str, profiles=PROFILES) -> SuiteRun:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCRIP_")}
        paths = [str(contracts_dir() / p) for p in profiles]
        command = [
            sys.executable, "-m", "pytest", *paths,
            "--base-url", server.base_url, "--api-key", "sk_a", "--second-org-key", "sk_b",
            "--profile", ",".join(profiles), "--budget", "quick",
            "-p", "no:cacheprovider", "--assert=plain", "-rfEs", "-q", *extra,
        ]  # fmt: skip
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env
        )
        return SuiteRun(completed.returncode, completed.stdout + completed.stderr)

    return run
