"""Helpers of the runner's tests: distinctive keys, running the ``run`` command in-process or
as a process (console captured), installing the stand-in suite, reading every output."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from runner_fake_suite import CATALOG, FAKE_MODULE, write_fake_suite

from scrip_conformance import catalog
from scrip_conformance.cli import main
from scrip_conformance.runner import command, session

# Distinctive keys: a search for them in every output must find nothing.
KEY_A = "sk_LEAKCANARY_a9f3e1_orgA_7b2c"
KEY_B = "sk_LEAKCANARY_c4d8e2_orgB_1e9f"


@dataclass
class RunResult:
    code: int
    stdout: str
    stderr: str
    report_dir: Path

    @property
    def summary(self) -> dict:
        return json.loads((self.report_dir / "summary.json").read_text(encoding="utf-8"))

    def contract(self, contract_id: str) -> dict:
        return next(c for c in self.summary["contracts"] if c["id"] == contract_id)

    def verdicts(self) -> dict[str, str]:
        return {c["id"]: c["verdict"] for c in self.summary["contracts"]}


def run_cli(argv: list[str], report_dir: Path | None = None) -> RunResult:
    """``scrip-conformance run ARGV`` in this process, its console output captured."""
    out, err = io.StringIO(), io.StringIO()
    args = ["run", *argv]
    if report_dir is not None:
        args += ["--report-dir", str(report_dir)]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
    return RunResult(code, out.getvalue(), err.getvalue(), report_dir or Path("reports"))


@contextlib.contextmanager
def fake_suite_installed(root: Path, break_must: bool = True) -> Iterator[Path]:
    """Point the runner at the stand-in suite and catalogue for the duration."""
    suite = write_fake_suite(root, break_must=break_must)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(command.resources, "contracts_dir", lambda: suite)
        mp.setattr(catalog, "default_catalog", lambda: CATALOG)
        # The stand-in suite brings its own options in place of the contracts plugin's.
        plugins = tuple(p for p in session.SUITE_PLUGINS if p != "scrip_conformance")
        mp.setattr(session, "SUITE_PLUGINS", plugins)
        try:
            yield suite
        finally:
            # Each stand-in suite lives at its own path: let the next one import afresh.
            sys.modules.pop(FAKE_MODULE, None)


def every_output_text(result: RunResult) -> dict[str, str]:
    """The console output and every file under the report dir, as text, by name."""
    texts = {"<stdout>": result.stdout, "<stderr>": result.stderr}
    for path in sorted(result.report_dir.rglob("*")):
        if path.is_file():
            texts[str(path)] = path.read_bytes().decode("utf-8", errors="replace")
    return texts


# The real suite, narrowed to a few contracts so a run takes seconds: a lot invariant the broken
# server breaks, and contracts of other areas that it keeps.
REAL_CONTRACTS = ["LOT-REMAINING-LE-AMOUNT", "SCHEDULE-SUMS-EXACTLY", "AUTH-MISSING-KEY-401"]
SHOULD_CONTRACT = "RATELIMIT-HEADERS"  # a SHOULD the broken server breaks too


def run_cli_process(argv: list[str], report_dir: Path, env: dict | None = None) -> RunResult:
    """``python -m scrip_conformance.cli run ARGV`` in a fresh process (the real entry point)."""
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrip_conformance.cli",
            "run",
            *argv,
            "--report-dir",
            str(report_dir),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )
    return RunResult(completed.returncode, completed.stdout, completed.stderr, report_dir)
