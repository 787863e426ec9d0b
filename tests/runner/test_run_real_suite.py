"""The shipped contract suite through the real command line: the embedded reference passes, a
server that breaks a lot invariant fails with exit code 1 and reports why, and the key never
appears in anything written or printed."""

from __future__ import annotations

from runner_support import KEY_A, KEY_B, REAL_CONTRACTS, every_output_text, run_cli
from runner_targets import recording_reference

from scrip_conformance.runner.summary import validate_summary


def test_the_embedded_reference_is_conformant_and_every_report_is_written(reference_run):
    result = reference_run
    assert result.code == 0, result.stdout + result.stderr
    summary = result.summary
    validate_summary(summary)
    assert summary["target"]["embedded"] is True
    assert summary["target"]["base_url"].startswith("http://127.0.0.1:")
    assert {cid: result.verdicts()[cid] for cid in REAL_CONTRACTS} == dict.fromkeys(
        REAL_CONTRACTS, "passed"
    )
    for name in ("junit.xml", "summary.json", "report.html"):
        assert (result.report_dir / name).stat().st_size > 0
    assert list((result.report_dir / "allure-results").glob("*-result.json"))
    assert "Verdict: CONFORMANT" in result.stdout
    # The embedded target counts the requests, each charged to one phase.
    performance = summary["performance"]
    assert performance["requests"] == sum(performance["phases_requests"].values()) > 0
    assert performance["phases_requests"]["contracts"] > 0
    assert performance["phases_requests"]["discovery"] > 0
    phases = performance["phases_seconds"]
    assert phases["startup"] > 0 and phases["contracts"] > 0 and phases["fuzzing"] == 0
    # The run's duration starts once the target is up; the phases from the command's start.
    after_startup = sum(phases.values()) - phases["startup"]
    assert after_startup <= summary["duration_seconds"] + 0.01 <= sum(phases.values()) + 0.02
    assert performance["requests_per_second"] > 0


def test_a_run_against_a_url_counts_its_requests_per_phase_and_contract(broken_server_run):
    performance = broken_server_run.summary["performance"]
    assert performance["requests"] == sum(performance["phases_requests"].values()) > 0
    assert performance["phases_requests"]["contracts"] > 0
    assert performance["contracts_requests"]["AUTH-MISSING-KEY-401"] > 0
    assert performance["status_429"] == 0 and performance["waited_429_seconds"] == 0
    assert performance["phases_seconds"]["contracts"] > 0


def test_a_server_breaking_a_lot_invariant_exits_1(broken_server_run):
    assert broken_server_run.code == 1, broken_server_run.stdout + broken_server_run.stderr
    validate_summary(broken_server_run.summary)
    verdicts = broken_server_run.verdicts()
    assert verdicts["LOT-REMAINING-LE-AMOUNT"] == "failed"
    assert verdicts["AUTH-MISSING-KEY-401"] == "passed"
    # The contracts plugin reports a SHOULD-only failure as a passed test; it is a warning here.
    assert verdicts["RATELIMIT-HEADERS"] == "warned"
    assert broken_server_run.contract("RATELIMIT-HEADERS")["gate"] == "pass"


def test_the_finding_says_what_was_expected_and_seen_with_a_curl_line(broken_server_run):
    finding = broken_server_run.contract("LOT-REMAINING-LE-AMOUNT")["findings"][0]
    assert finding["baseline"] == "new"
    assert finding["request"].startswith("curl ")
    assert "/balances/lots" in finding["request"]
    html = (broken_server_run.report_dir / "report.html").read_text(encoding="utf-8")
    assert 'id="contract-LOT-REMAINING-LE-AMOUNT"' in html


def test_the_key_is_in_no_report_no_log_and_not_on_the_console(broken_server_run):
    texts = every_output_text(broken_server_run)
    assert any(name.endswith("junit.xml") for name in texts)
    assert any("allure-results" in name for name in texts)
    leaks = [name for name, text in texts.items() if KEY_A in text or KEY_B in text]
    assert leaks == []


def test_read_only_sends_nothing_but_get(tmp_path):
    server, recorder = recording_reference({KEY_A: "org-a"})
    with server:
        result = run_cli(
            [
                "--base-url",
                server.base_url,
                "--api-key",
                KEY_A,
                "--read-only",
                "--quick",
                "--only",
                *REAL_CONTRACTS,
            ],
            tmp_path / "reports",
        )
    assert result.code == 0, result.stdout + result.stderr
    assert result.summary["read_only"] is True
    assert result.summary["profiles"] == ["read-only"]
    assert len(recorder.methods) > 10
    assert set(recorder.methods) == {"GET"}
