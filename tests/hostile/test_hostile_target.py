"""A hostile or broken target cannot stall the suite, exhaust the machine, hide an outage as
non-conformance, or get the key into a report: each run ends by itself (the subprocess timeout is
only a hang guard), under 400 MB, with the documented exit code and key-clean reports."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from hostile_server import HostileServer

KEY = "sk_" + "3f9c1a7e5b2d4068" + "a1b2c3d4e5f60718"
HANG_GUARD = 420  # seconds: a run still going by then has no bound (a loaded CI machine)
MAX_RSS_MB = 400
FAST = ["--read-only", "--quick", "--seed", "7", "--deadline", "300"]


@dataclass
class Run:
    code: int
    out: str
    err: str
    report_dir: Path
    rss_mb: float


def run_against(
    server: HostileServer,
    tmp_path: Path,
    *extra: str,
    env: dict | None = None,
    signal_after: list[float] | None = None,
    sig: int = signal.SIGINT,
) -> Run:
    report_dir = tmp_path / "reports"
    argv = [
        sys.executable,
        "-m",
        "scrip_conformance.cli",
        "run",
        "--base-url",
        server.base_url,
        "--api-key",
        KEY,
        "--report-dir",
        str(report_dir),
        *extra,
    ]
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    for delay in signal_after or []:
        time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(sig)
    out, err = proc.communicate(timeout=HANG_GUARD)
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return Run(proc.returncode, out, err, report_dir, rss)


def pieces_of(key: str, size: int = 8) -> list[str]:
    return [key[i : i + size] for i in range(len(key) - size + 1)]


def assert_key_clean(run: Run) -> None:
    texts = {"stdout": run.out, "stderr": run.err}
    if run.report_dir.exists():
        for path in run.report_dir.rglob("*"):
            if path.is_file():
                texts[str(path)] = path.read_bytes().decode("utf-8", errors="replace")
    leaks = [
        (name, piece) for name, text in texts.items() for piece in pieces_of(KEY) if piece in text
    ]
    assert not leaks, f"the key (or 8+ characters of it) leaked: {leaks[:5]}"


def assert_sane(run: Run, codes: tuple[int, ...]) -> None:
    assert run.code in codes, (run.code, run.out[-2000:], run.err[-2000:])
    assert "Traceback" not in run.out + run.err, run.err[-3000:]
    assert run.rss_mb < MAX_RSS_MB, f"peak memory {run.rss_mb:.0f} MB"
    assert_key_clean(run)


def test_a_20_mb_invalid_page_is_a_bounded_finding_not_gigabytes(tmp_path):
    with HostileServer("huge-invalid", KEY) as server:
        run = run_against(server, tmp_path, *FAST)  # the default cap (8 MiB)
    assert_sane(run, (1,))
    assert "RESPONSE-MATCHES-SPEC" in run.out or "RESPONSE-IS-JSON" in run.out


def test_an_answer_over_the_cap_is_never_read_whole(tmp_path):
    with HostileServer("huge-always", KEY) as server:
        run = run_against(server, tmp_path, *FAST, "--max-response-bytes", str(2**20))
    assert_sane(run, (3,))
    assert "larger than the suite's cap" in run.err


def test_a_body_trickled_at_one_byte_a_second_meets_the_request_deadline(tmp_path):
    with HostileServer("trickle", KEY) as server:
        run = run_against(server, tmp_path, *FAST, "--request-timeout", "2")
    assert_sane(run, (3,))
    assert "no complete answer within 2 s" in run.err
    assert "curl" in run.err  # names the request that got no answer


def test_a_cursor_that_never_ends_is_a_pagination_finding(tmp_path):
    with HostileServer("endless", KEY) as server:
        run = run_against(server, tmp_path, *FAST, "--max-participants", "2", "--max-assets", "3")
    assert_sane(run, (1,))
    assert "never ends" in (run.report_dir / "summary.json").read_text()


def test_empty_pages_with_has_more_forever_are_a_pagination_finding(tmp_path):
    with HostileServer("empty-pages", KEY) as server:
        run = run_against(server, tmp_path, *FAST)
    assert_sane(run, (1,))
    assert "empty pages in a row" in (run.report_dir / "summary.json").read_text()


def test_a_permanent_429_is_waited_on_only_within_the_budget(tmp_path):
    with HostileServer("throttle", KEY) as server:
        run = run_against(server, tmp_path, *FAST, env={"SCRIP_MAX_RETRY_WAIT": "2"})
    assert_sane(run, (1,))


def test_100000_deep_json_at_preflight_is_not_this_api(tmp_path):
    with HostileServer("deep-preflight", KEY) as server:
        run = run_against(server, tmp_path, *FAST)
    assert_sane(run, (3,))
    assert "does not look like the Scrip API" in run.err


def test_100000_deep_json_in_the_schedule_fetch_leaves_a_note_not_a_traceback(tmp_path):
    with HostileServer("deep-schedule", KEY) as server:
        run = run_against(server, tmp_path, *FAST)
    assert_sane(run, (0, 1))
    assert "expiration schedule" in (run.report_dir / "report.html").read_text()


@pytest.mark.parametrize("profiles", [["--read-only"], []], ids=["read-only", "every-profile"])
def test_a_target_dying_after_preflight_is_exit_3_naming_the_last_request(tmp_path, profiles):
    with HostileServer("dies", KEY) as server:
        run = run_against(server, tmp_path, *profiles, *FAST[1:])
    assert_sane(run, (3,))
    assert "stopped answering" in run.err and "curl" in run.err
    summary = (run.report_dir / "summary.json").read_text()
    data = json.loads(summary)
    assert data["verdict"] == "no_verdict" and data["exit_code"] == 3
    blamed = [c["id"] for c in data["contracts"] if c["findings"]]
    assert blamed == [], f"an outage blamed on contracts: {blamed}"
    assert len(data["unattributed_findings"]) == 1


def test_a_key_echoed_in_answers_never_reaches_a_report(tmp_path):
    with HostileServer("echo-key", KEY) as server:
        run = run_against(server, tmp_path, *FAST)
    assert_sane(run, (1,))
    assert (run.report_dir / "junit.xml").exists()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("after", [3.0, 6.0, 10.0])
def test_an_interrupted_run_leaves_key_clean_reports(tmp_path, sig, after):
    with HostileServer("echo-key", KEY) as server:
        run = run_against(server, tmp_path, *FAST, signal_after=[after], sig=sig)
    assert run.code != 0
    assert "Traceback" not in run.err, run.err[-3000:]
    assert_key_clean(run)


def test_the_whole_run_deadline_ends_a_slow_run_with_exit_3(tmp_path):
    with HostileServer("trickle", KEY) as server:
        run = run_against(
            server, tmp_path, *FAST[:-2], "--deadline", "6", "--request-timeout", "60"
        )
    assert_sane(run, (3,))
    assert (run.report_dir / "summary.json").exists()
