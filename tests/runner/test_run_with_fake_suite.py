"""The ``run`` command end to end on the stand-in suite, whose outcomes are known in advance:
verdicts, reports, exit codes, the baseline, --only / --rerun-failed, and no key anywhere."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

from runner_support import KEY_A, KEY_B, every_output_text, fake_suite_installed, run_cli

from scrip_conformance.runner.summary import validate_summary


def test_a_broken_must_contract_exits_1(broken_run):
    assert broken_run.code == 1, broken_run.stderr


def test_each_contract_gets_its_verdict(broken_run):
    assert broken_run.verdicts() == {
        "FAKE-PASSES": "passed",
        "FAKE-MUST-BREAKS": "failed",
        "FAKE-SHOULD-BREAKS": "warned",
        "FAKE-NEEDS-EXTENSION": "not_run",
        "FAKE-UNTESTED": "not_run",
    }


def test_not_run_contracts_carry_their_reason(broken_run):
    reasons = {c["id"]: c["reason"] for c in broken_run.summary["contracts"]}
    assert reasons["FAKE-NEEDS-EXTENSION"] == "the target does not support expires_at on credits"
    assert reasons["FAKE-UNTESTED"] == "no test of the suite checks it"
    assert reasons["FAKE-PASSES"] == ""


def test_summary_validates_and_records_the_run(broken_run, reference):
    summary = broken_run.summary
    validate_summary(summary)
    assert summary["seed"] == 11
    assert summary["budget"] == "quick"
    assert summary["target"] == {"base_url": reference.base_url, "embedded": False}
    assert summary["totals"] == {"passed": 1, "failed": 1, "warned": 1, "not_run": 2, "total": 5}
    assert summary["verdict"] == "not_conformant" and summary["exit_code"] == 1
    finding = broken_run.contract("FAKE-MUST-BREAKS")["findings"][0]
    assert finding["check"] == "test_buckets_sum_to_total"
    assert (finding["expected"], finding["observed"]) == ("1450.00", "1449.99")
    assert finding["baseline"] == "new"


def test_console_shows_progress_then_verdicts_by_profile_and_totals(broken_run):
    out = broken_run.stdout
    assert "[2/4] failed" in out
    assert out.index("profile extension") < out.index("profile read-only")
    assert "WARNED   FAKE-SHOULD-BREAKS" in out
    assert "NOT RUN  FAKE-NEEDS-EXTENSION" in out
    assert "Totals: 5 contracts: 1 passed, 1 failed, 1 warned, 2 not run" in out
    assert "Verdict: NOT CONFORMANT" in out


def test_junit_and_allure_results_are_written_under_fixed_names(broken_run):
    suite = ET.parse(broken_run.report_dir / "junit.xml").getroot().find("testsuite")
    assert suite.get("name") == "scrip-conformance"
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("4", "2", "1")
    allure = list((broken_run.report_dir / "allure-results").glob("*-result.json"))
    statuses = sorted(json.loads(p.read_text())["status"] for p in allure)
    assert statuses == ["failed", "failed", "passed", "skipped"]


def test_the_html_report_names_every_failing_contract(broken_run):
    html = (broken_run.report_dir / "report.html").read_text(encoding="utf-8")
    assert 'data-verdict="not_conformant"' in html
    assert 'id="contract-FAKE-MUST-BREAKS"' in html
    assert 'id="contract-FAKE-SHOULD-BREAKS"' in html
    assert 'id="contract-FAKE-PASSES"' not in html
    assert "buckets do not sum to total_outstanding" in html
    assert "<svg" in html and "chart-expiration-0" in html


def test_the_key_appears_in_no_output_even_when_a_test_prints_it(broken_run):
    # The stand-in suite prints the key and puts it in a violation's request on purpose.
    texts = every_output_text(broken_run)
    assert len(texts) > 6
    leaks = [name for name, text in texts.items() if KEY_A in text or KEY_B in text]
    assert leaks == []
    assert "[REDACTED]" in (broken_run.report_dir / "junit.xml").read_text()


def _baseline(path, expires: dt.date):
    path.write_text(
        "version: 1\n"
        "entries:\n"
        "  - contract: FAKE-MUST-BREAKS\n"
        "    check: test_buckets_sum_to_total\n"
        "    reason: vendor ticket V-1, rounding in the schedule\n"
        f"    expires: {expires.isoformat()}\n"
    )
    return path


def test_a_baselined_finding_no_longer_fails_the_gate_until_it_expires(reference, tmp_path):
    today = dt.datetime.now(dt.UTC).date()
    with fake_suite_installed(tmp_path):
        known = run_cli(
            ["--base-url", reference.base_url, "--api-key", KEY_A, "--only", "FAKE-MUST-BREAKS",
             "--baseline", str(_baseline(tmp_path / "b1.yaml", today))],
            tmp_path / "known",
        )
        expired = run_cli(
            ["--base-url", reference.base_url, "--api-key", KEY_A, "--only", "FAKE-MUST-BREAKS",
             "--baseline", str(_baseline(tmp_path / "b2.yaml", today - dt.timedelta(days=1)))],
            tmp_path / "expired",
        )
    assert known.code == 0, known.stdout
    finding = known.contract("FAKE-MUST-BREAKS")["findings"][0]
    assert (finding["contract_id"], finding["baseline"]) == ("FAKE-MUST-BREAKS", "known")
    assert finding["baseline_reason"] == "vendor ticket V-1, rounding in the schedule"
    assert known.verdicts()["FAKE-MUST-BREAKS"] == "failed"
    assert expired.code == 1
    assert expired.contract("FAKE-MUST-BREAKS")["findings"][0]["baseline"] == "expired"
    assert expired.summary["baseline"]["expired_entries"][0]["contract"] == "FAKE-MUST-BREAKS"


def test_rerun_failed_runs_only_what_failed_last_time(reference, tmp_path):
    report_dir = tmp_path / "reports"
    with fake_suite_installed(tmp_path / "first"):
        first = run_cli(["--base-url", reference.base_url, "--api-key", KEY_A, "--seed", "5"],
                        report_dir)
    assert first.code == 1
    with fake_suite_installed(tmp_path / "fixed", break_must=False):
        rerun = run_cli(["--base-url", reference.base_url, "--api-key", KEY_A,
                         "--rerun-failed"], report_dir)
    assert rerun.code == 0, rerun.stdout
    summary = rerun.summary
    validate_summary(summary)
    assert summary["selection"] == {"only": ["FAKE-MUST-BREAKS", "FAKE-SHOULD-BREAKS"],
                                    "rerun_failed": True}
    assert summary["seed"] == 5
    assert rerun.verdicts()["FAKE-MUST-BREAKS"] == "passed"
    assert rerun.verdicts()["FAKE-SHOULD-BREAKS"] == "warned"
    ran = [c["id"] for c in summary["contracts"] if c["tests"]]
    assert ran == ["FAKE-MUST-BREAKS", "FAKE-SHOULD-BREAKS"]
    assert "[1/2]" in rerun.stdout and "[2/2]" in rerun.stdout


def test_a_suite_that_cannot_load_is_a_configuration_error(reference, tmp_path):
    with fake_suite_installed(tmp_path) as suite:
        (suite / "test_fake_runner_contracts.py").write_text("def broken(:\n")
        result = run_cli(["--base-url", reference.base_url, "--api-key", KEY_A],
                         tmp_path / "reports")
    assert result.code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: the contract suite could not run (test_fake_runner_contracts")
    assert not (tmp_path / "reports" / "summary.json").exists()
