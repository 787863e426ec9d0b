"""The run's verdict end to end, as a new user meets it: an empty organization read-only is
INCONCLUSIVE (exit 4), a tiny target whose bug needs data it does not hold is never CONFORMANT,
and a run stopped by SIGINT or SIGTERM exits 130 / 143 with every report marked INTERRUPTED."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from runner_support import KEY_A, run_cli

from scrip_conformance.reference.server import ReferenceServer
from scrip_conformance.runner.summary import validate_summary
from scrip_conformance.selftest.server import VariantServer
from scrip_conformance.selftest.variants import by_name
from scrip_conformance.selftest.variants.probe import Probe


def test_an_empty_organization_read_only_is_inconclusive_exit_4(tmp_path):
    with ReferenceServer(api_keys={KEY_A: "org-empty"}, demo=False) as server:
        result = run_cli(
            [
                "--base-url",
                server.base_url,
                "--api-key",
                KEY_A,
                "--read-only",
                "--quick",
                "--seed",
                "2",
            ],
            tmp_path / "r",
        )
    assert result.code == 4, result.stdout + result.stderr
    summary = result.summary
    validate_summary(summary)
    assert summary["verdict"] == "inconclusive"
    verdicts = result.verdicts()
    # nothing to walk: the lot contracts did not pass, they were not run or not exercised
    for cid in (
        "LOT-FINAL-HOLDS-NOTHING",
        "LOT-STATUS-MATCHES-CLOCK",
        "BALANCE-ROWS-SORTED",
        "PAGINATION-NO-DUPLICATES",
        "PARTICIPANT-COUNTERS-ARE-STRINGS",
    ):
        assert verdicts[cid] in ("not_run", "not_exercised"), cid
    open_gaps = {g["contract_id"] for g in summary["gaps"] if g["status"] == "open"}
    assert "LOT-FINAL-HOLDS-NOTHING" in open_gaps
    assert all(g["how"] for g in summary["gaps"])
    assert "Verdict: INCONCLUSIVE" in result.stdout and "exit code 4" in result.stdout


def test_a_tiny_target_with_an_unexercised_bug_is_not_conformant(tmp_path):
    """One AVAILABLE lot, served by a ledger that keeps an EXPIRED lot's remaining: no
    final-state lot exists, so LOT-FINAL-HOLDS-NOTHING checks nothing and cannot pass."""
    variant = by_name("expired-lot-keeps-remaining")
    with VariantServer(variant, {KEY_A: "org-tiny"}) as server:
        with Probe(server.base_url, KEY_A) as probe:
            assert probe.credit("5.00").status_code in (200, 201)
        result = run_cli(
            [
                "--base-url",
                server.base_url,
                "--api-key",
                KEY_A,
                "--read-only",
                "--quick",
                "--seed",
                "4",
            ],
            tmp_path / "r",
        )
    assert result.code != 0, result.stdout
    assert result.summary["verdict"] != "conformant"
    final = result.contract("LOT-FINAL-HOLDS-NOTHING")
    assert final["verdict"] in ("not_exercised", "failed")
    if final["verdict"] == "not_exercised":
        assert final["witnesses"] == {"final-state lots": 0}
    assert result.contract("LOT-REMAINING-LE-AMOUNT")["witnesses"] == {"lots": 1}


def _spawn(report_dir: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scrip_conformance.cli",
            "run",
            "--quick",
            "--seed",
            "5",
            "--report-dir",
            str(report_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _stop_once_contracts_run(process: subprocess.Popen, signum: int) -> tuple[str, str, float]:
    """Send ``signum`` after the first progress line; the output and seconds to exit."""
    seen = []
    assert process.stdout is not None
    for line in process.stdout:
        seen.append(line)
        if line.startswith("[") and "/" in line.split("]")[0]:
            break
    else:
        pytest.fail("the run ended before any contract ran:\n" + "".join(seen))
    sent = time.monotonic()
    process.send_signal(signum)
    out, err = process.communicate(timeout=120)
    return "".join(seen) + out, err, time.monotonic() - sent


@pytest.mark.parametrize(
    ("signum", "code", "name"), [(signal.SIGINT, 130, "SIGINT"), (signal.SIGTERM, 143, "SIGTERM")]
)
def test_a_signal_mid_run_stops_it_and_every_report_says_interrupted(tmp_path, signum, code, name):
    report_dir = tmp_path / "reports"
    process = _spawn(report_dir)
    out, err, seconds = _stop_once_contracts_run(process, signum)
    assert process.returncode == code, out + err
    assert seconds < 30, f"took {seconds:.0f} s to stop"
    summary = json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))
    validate_summary(summary)
    assert (summary["verdict"], summary["exit_code"]) == ("interrupted", code)
    assert summary["interrupted"] == {"signal": name}
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    assert 'data-verdict="interrupted"' in html and f"Interrupted by {name}" in html
    assert "Verdict: INTERRUPTED" in out and f"[stopped by {name}" in out
    reasons = {c["reason"] for c in summary["contracts"] if c["verdict"] == "not_run"}
    assert f"not reached: the run was stopped by {name}" in reasons
    assert "CONFORMANT" not in out.replace("NOT CONFORMANT", "")
    junit = (report_dir / "junit.xml").read_text(encoding="utf-8")
    assert '<property name="scrip_verdict" value="interrupted"' in junit


def test_an_interrupt_before_the_suite_writes_interrupted_reports_and_no_stale_ones(
    reference, tmp_path, monkeypatch
):
    from scrip_conformance.runner import command

    report_dir = tmp_path / "r"
    report_dir.mkdir()
    (report_dir / "junit.xml").write_text("<testsuites/>")  # an earlier run's

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(command, "_preflight", interrupted)
    result = run_cli(["--base-url", reference.base_url, "--api-key", KEY_A, "--quick"], report_dir)
    assert result.code == 130, result.stderr
    summary = result.summary
    validate_summary(summary)
    assert (summary["verdict"], summary["interrupted"]) == ("interrupted", {"signal": "SIGINT"})
    assert summary["totals"]["passed"] == 0
    assert not (report_dir / "junit.xml").exists()
    assert "Interrupted by SIGINT" in (report_dir / "report.html").read_text(encoding="utf-8")
