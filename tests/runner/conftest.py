"""Fixtures of the runner's tests: a reference server keyed with distinctive keys, and one run
each of the stand-in suite, of the real suite against a broken server and of the real suite
against the embedded reference, shared by the tests that read their outputs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from runner_support import (
    KEY_A,
    KEY_B,
    REAL_CONTRACTS,
    SHOULD_CONTRACT,
    RunResult,
    fake_suite_installed,
    run_cli,
    run_cli_process,
)
from runner_targets import broken_reference

from scrip_conformance.reference.server import ReferenceServer


@pytest.fixture(scope="session")
def reference() -> Iterator[ReferenceServer]:
    """The reference implementation with demo data, keyed with the distinctive keys."""
    with ReferenceServer(api_keys={KEY_A: "org-a", KEY_B: "org-b"}, demo=True) as server:
        yield server


@pytest.fixture(scope="session")
def broken_run(reference, tmp_path_factory):
    """One run of the stand-in suite in which a MUST and a SHOULD contract break."""
    root = tmp_path_factory.mktemp("fake-broken")
    with fake_suite_installed(root):
        return run_cli(
            [
                "--base-url",
                reference.base_url,
                "--api-key",
                KEY_A,
                "--second-org-key",
                KEY_B,
                "--seed",
                "11",
                "--quick",
            ],
            root / "reports",
        )


@pytest.fixture(scope="session")
def broken_server_run(tmp_path_factory) -> RunResult:
    """The real suite against the broken server, the key given through SCRIP_API_KEY."""
    report_dir = tmp_path_factory.mktemp("broken-server") / "reports"
    with broken_reference({KEY_A: "org-a", KEY_B: "org-b"}) as server:
        return run_cli_process(
            [
                "--base-url",
                server.base_url,
                "--second-org-key",
                KEY_B,
                "--quick",
                "--seed",
                "3",
                "--only",
                *REAL_CONTRACTS,
                SHOULD_CONTRACT,
            ],
            report_dir,
            env={"SCRIP_API_KEY": KEY_A},
        )


@pytest.fixture(scope="session")
def reference_run(tmp_path_factory) -> RunResult:
    """The real suite (a few contracts, a SHOULD among them) against the embedded reference."""
    report_dir = tmp_path_factory.mktemp("embedded-reference") / "reports"
    return run_cli_process(
        ["--quick", "--seed", "3", "--only", *REAL_CONTRACTS, SHOULD_CONTRACT], report_dir
    )
