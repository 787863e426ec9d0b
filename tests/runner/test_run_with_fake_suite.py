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
        "FAKE-NO-EVIDENCE": "not_exercised",
    }


def test_not_run_contracts_carry_their_reason(broken_run):
    reasons = {c["id"]: c["reason"] for c in broken_run.summary["contracts"]}
    assert reasons["FAKE-NEEDS-EXTENSION"] == "the target does not support expires_at on credits"
    assert reasons["FAKE-UNTESTED"] == "no test of the suite checks it"
    assert reasons["FAKE-PASSES"] == ""
    assert "at least one CONSUMED or EXPIRED lot" in reasons["FAKE-NO-EVIDENCE"]


def test_each_contract_carries_what_it_checked(broken_run):
    passes = broken_run.contract("FAKE-PASSES")
    assert passes["witness_total"] == passes["witnesses"]["assets listed"] > 0
    assert broken_run.contract("FAKE-NO-EVIDENCE")["witnesses"] == {"final-state lots": 0}
    assert "FAKE-PASSES" in broken_run.stdout and "assets listed" in broken_run.stdout


def test_summary_validates_and_records_the_run(broken_run, reference):
    summary = broken_run.summary
    validate_summary(summary)
    assert summary["seed"] == 11
    assert summary["budget"] == "quick"
    assert summary["target"] == {"base_url": reference.base_url, "embedded": False}
    assert summary["totals"] == {
        "passed": 1,
        "failed": 1,
        "warned": 1,
        "not_exercised": 1,
        "not_run": 2,
        "total": 6,
    }
    assert summary["verdict"] == "not_conformant" and summary["exit_code"] == 1
    finding = broken_run.contract("FAKE-MUST-BREAKS")["findings"][0]
    assert finding["check"] == "test_buckets_sum_to_total"
    assert (finding["expected"], finding["observed"]) == ("1450.00", "1449.99")
    assert finding["baseline"] == "new"


def test_console_shows_progress_then_verdicts_by_profile_and_totals(broken_run):
    out = broken_run.stdout
    assert "[2/5] failed" in out
    assert "[5/5] no evidence FAKE-NO-EVIDENCE" in out
    assert out.index("profile extension") < out.index("profile read-only")
    assert "WARNED        FAKE-SHOULD-BREAKS" in out
    assert "NOT RUN       FAKE-NEEDS-EXTENSION" in out
    assert "NOT EXERCISED FAKE-NO-EVIDENCE" in out
    assert "Totals: 6 contracts: 1 passed, 1 failed, 1 warned, 1 not exercised, 2 not run" in out
    assert "Verdict: NOT CONFORMANT" in out


def test_console_leads_failures_with_the_cause_then_each_first_finding(broken_run):
    out = broken_run.stdout
    causes = out.index("Probable root causes")
    failing = out.index("Failing contracts, in order of first occurrence")
    assert causes < failing < out.index("Verdict:")
    block = out[failing:]
    assert block.index("FAILED FAKE-MUST-BREAKS") < block.index("WARNED FAKE-SHOULD-BREAKS")
    assert "expected:  1450.00" in block and "observed:  1449.99" in block
    assert "reproduce: curl -X GET -H 'X-API-Key: [REDACTED]'" in block


def test_junit_and_allure_results_are_written_under_fixed_names(broken_run):
    suite = ET.parse(broken_run.report_dir / "junit.xml").getroot().find("testsuite")
    assert suite.get("name") == "scrip-conformance"
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("5", "2", "1")
    allure = list((broken_run.report_dir / "allure-results").glob("*-result.json"))
    statuses = sorted(json.loads(p.read_text())["status"] for p in allure)
    assert statuses == ["failed", "failed", "passed", "passed", "skipped"]


def test_junit_carries_each_tests_contract_level_and_witnesses(broken_run):
    root = ET.parse(broken_run.report_dir / "junit.xml").getroot()
    case = next(c for c in root.iter("testcase") if c.get("name") == "test_listing_assets_works")
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert json.loads(props["scrip_witnesses"])["FAKE-PASSES"]["assets listed"] > 0


def test_the_html_report_names_every_failing_contract(broken_run):
    html = (broken_run.report_dir / "report.html").read_text(encoding="utf-8")
    assert 'data-verdict="not_conformant"' in html
    assert 'id="contract-FAKE-MUST-BREAKS"' in html
    assert 'id="contract-FAKE-SHOULD-BREAKS"' in html
    assert 'id="contract-FAKE-PASSES"' not in html
    assert "buckets do not sum to total_outstanding" in html
    assert "<svg" in html and "chart-expiration-0" in html


def test_the_html_report_counts_agree_and_leads_with_the_cause(broken_run):
    html = (broken_run.report_dir / "report.html").read_text(encoding="utf-8")
    failed = broken_run.summary["totals"]["failed"]
    assert f'<span class="tag failed">failed</span> {failed}</span>' in html
    assert f"Failing contracts ({failed})</h2>" in html
    assert "SHOULD contracts not met: warnings (1)" in html
    assert html.index('id="root-causes"') < html.index('id="failing"') < html.index('id="charts"')
    assert "Pictures" not in html and ">True<" not in html
    assert 'class="bar-value"' in html  # bars carry their values


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
            [
                "--base-url",
                reference.base_url,
                "--api-key",
                KEY_A,
                "--only",
                "FAKE-MUST-BREAKS",
                "--baseline",
                str(_baseline(tmp_path / "b1.yaml", today)),
            ],
            tmp_path / "known",
        )
        expired = run_cli(
            [
                "--base-url",
                reference.base_url,
                "--api-key",
                KEY_A,
                "--only",
                "FAKE-MUST-BREAKS",
                "--baseline",
                str(_baseline(tmp_path / "b2.yaml", today - dt.timedelta(days=1))),
            ],
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
        first = run_cli(
            ["--base-url", reference.base_url, "--api-key", KEY_A, "--seed", "5"], report_dir
        )
    assert first.code == 1
    with fake_suite_installed(tmp_path / "fixed", break_must=False):
        rerun = run_cli(
            ["--base-url", reference.base_url, "--api-key", KEY_A, "--rerun-failed"], report_dir
        )
    assert rerun.code == 0, rerun.stdout
    summary = rerun.summary
    validate_summary(summary)
    assert summary["selection"] == {
        "only": ["FAKE-MUST-BREAKS", "FAKE-SHOULD-BREAKS"],
        "rerun_failed": True,
    }
    assert summary["seed"] == 5
    assert summary["partial"] == "partial: 2 of 6 contracts selected (--rerun-failed)"
    assert rerun.verdicts()["FAKE-MUST-BREAKS"] == "passed"
    assert rerun.verdicts()["FAKE-SHOULD-BREAKS"] == "warned"
    ran = [c["id"] for c in summary["contracts"] if c["tests"]]
    assert ran == ["FAKE-MUST-BREAKS", "FAKE-SHOULD-BREAKS"]
    assert "[1/2]" in rerun.stdout and "[2/2]" in rerun.stdout


def test_a_suite_that_cannot_load_is_a_configuration_error(reference, tmp_path):
    with fake_suite_installed(tmp_path) as suite:
        (suite / "test_fake_runner_contracts.py").write_text("def broken(:\n")
        result = run_cli(
            ["--base-url", reference.base_url, "--api-key", KEY_A], tmp_path / "reports"
        )
    assert result.code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: the contract suite could not run (test_fake_runner_contracts")
    assert not (tmp_path / "reports" / "summary.json").exists()


def test_a_run_without_evidence_for_every_must_contract_is_inconclusive_exit_4(reference, tmp_path):
    with fake_suite_installed(tmp_path, break_must=False):
        result = run_cli(["--base-url", reference.base_url, "--api-key", KEY_A], tmp_path / "r")
    assert result.code == 4, result.stdout
    summary = result.summary
    validate_summary(summary)
    assert (summary["verdict"], summary["exit_code"]) == ("inconclusive", 4)
    gaps = {g["contract_id"]: g for g in summary["gaps"]}
    assert set(gaps) == {"FAKE-NEEDS-EXTENSION", "FAKE-NO-EVIDENCE", "FAKE-UNTESTED"}
    assert {g["status"] for g in gaps.values()} == {"open"}
    assert gaps["FAKE-NO-EVIDENCE"]["state"] == "not_exercised"
    assert "at least one CONSUMED or EXPIRED lot" in gaps["FAKE-NO-EVIDENCE"]["how"]
    assert "OPEN      FAKE-NO-EVIDENCE (not exercised)" in result.stdout
    assert "Verdict: INCONCLUSIVE (3 MUST contract(s) without evidence), exit code 4" in (
        result.stdout
    )
    html = (result.report_dir / "report.html").read_text(encoding="utf-8")
    assert 'data-verdict="inconclusive"' in html and 'id="gap-FAKE-NO-EVIDENCE"' in html


def test_gaps_accepted_explicitly_are_listed_and_the_run_is_conformant(reference, tmp_path):
    baseline = tmp_path / "b.yaml"
    baseline.write_text(
        "entries:\n  - kind: gap\n    contract: FAKE-UNTESTED\n"
        "    reason: one organization only, ticket V-3\n    expires: 2999-01-01\n"
    )
    with fake_suite_installed(tmp_path, break_must=False):
        result = run_cli(
            [
                "--base-url",
                reference.base_url,
                "--api-key",
                KEY_A,
                "--baseline",
                str(baseline),
                "--accept-gap",
                "FAKE-NO-EVIDENCE=no expired lots on staging",
                "--accept-gap",
                "FAKE-NEEDS-EXTENSION",
            ],
            tmp_path / "r",
        )
    assert result.code == 0, result.stdout
    gaps = {g["contract_id"]: g for g in result.summary["gaps"]}
    assert {cid: (g["status"], g["accepted_by"]) for cid, g in gaps.items()} == {
        "FAKE-NEEDS-EXTENSION": ("accepted", "--accept-gap"),
        "FAKE-NO-EVIDENCE": ("accepted", "--accept-gap"),
        "FAKE-UNTESTED": ("accepted", f"baseline {baseline}"),
    }
    assert gaps["FAKE-NO-EVIDENCE"]["reason"] == "no expired lots on staging"
    assert "ACCEPTED  FAKE-UNTESTED (not run) by baseline" in result.stdout
    assert "Verdict: CONFORMANT (3 accepted or declared gap(s))" in result.stdout


def test_an_unknown_contract_in_accept_gap_is_a_usage_error(tmp_path):
    result = run_cli(["--accept-gap", "NO-SUCH-CONTRACT=x"], tmp_path / "r")
    assert result.code == 2 and "--accept-gap: unknown contract id 'NO-SUCH-CONTRACT'" in (
        result.stderr
    )


def test_only_one_contract_says_partial_in_the_verdict_and_every_report(reference, tmp_path):
    with fake_suite_installed(tmp_path):
        result = run_cli(
            ["--base-url", reference.base_url, "--api-key", KEY_A, "--only", "FAKE-PASSES"],
            tmp_path / "r",
        )
    assert result.code == 0, result.stdout
    partial = "partial: 1 of 6 contracts selected (--only)"
    assert f"Verdict: CONFORMANT ({partial})" in result.stdout
    assert result.summary["partial"] == partial
    assert partial in result.summary["verdict_line"]
    assert partial in (result.report_dir / "report.html").read_text(encoding="utf-8")
    suite = ET.parse(result.report_dir / "junit.xml").getroot().find("testsuite")
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props["scrip_partial"] == partial and props["scrip_verdict"] == "conformant"
    environment = (result.report_dir / "allure-results" / "environment.properties").read_text()
    assert f"scrip_partial={partial}" in environment
