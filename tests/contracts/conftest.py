"""Fixtures of the suite's own tests: the reference server (as is, or with one deliberate bug
injected by an ASGI middleware that rewrites its requests or JSON answers) and a runner of the
read-only contract suite against it."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from scrip_conformance.reference.server import ReferenceServer
from scrip_conformance.resources import contracts_dir

KEYS = {"sk_a": "org-a", "sk_b": "org-b"}
# walk limits that keep one run of the read-only profile to seconds
# plain asserts (the contracts raise ContractFailure; rewriting would recompile every plugin
# module on each start) and none of the plugins the read-only profile does not use
UNUSED_PLUGINS = ("schemathesis", "hypothesispytest", "allure_pytest", "scrip_conformance_fuzzing")
QUICK_START = ["--assert=plain"] + [a for n in UNUSED_PLUGINS for a in ("-p", f"no:{n}")]
FAST = ["--budget", "quick", "--max-participants", "6", "--max-assets", "10", "--scrip-seed", "7"]


@pytest.fixture
def reference_with() -> Iterator[Callable[..., ReferenceServer]]:
    """``reference_with(middleware, **options)``: a started demo reference server whose app is
    wrapped by ``middleware`` (a Starlette middleware class and its options)."""
    servers: list[ReferenceServer] = []

    def start(middleware=None, **options) -> ReferenceServer:
        server = ReferenceServer(api_keys=KEYS, demo=True)
        if middleware is not None:
            server.app.add_middleware(middleware, **options)
        servers.append(server.start())
        listener = getattr(server, "_sock", None)
        if listener is not None:  # reported to the reference: without it, uvicorn's split writes
            # meet delayed ACKs and every keep-alive request takes ~40 ms instead of ~1 ms
            listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return server

    yield start
    for server in servers:
        server.stop()


@dataclass
class SuiteRun:
    """The outcome of one run of the contract suite."""

    returncode: int
    output: str

    def failed_contracts(self) -> set[str]:
        """Contract ids named in the failure report (``[ID] summary`` lines)."""
        return set(re.findall(r"^\[([A-Z0-9-]+)\] ", self.output, flags=re.MULTILINE))


@pytest.fixture
def run_read_only(tmp_path):
    """``run_read_only(server, *extra_args)``: the read-only contract suite against ``server``,
    in a subprocess with the fast walk limits."""

    def run(server: ReferenceServer, *extra: str) -> SuiteRun:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCRIP_")}
        command = [
            sys.executable, "-m", "pytest", str(contracts_dir() / "read_only"),
            "--base-url", server.base_url, "--api-key", "sk_a", *FAST,
            "-p", "no:cacheprovider", "-rfEs", "-q", *QUICK_START, *extra,
        ]  # fmt: skip
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env
        )
        return SuiteRun(completed.returncode, completed.stdout + completed.stderr)

    return run
