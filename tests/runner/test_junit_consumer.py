"""junit.xml as a CI system reads it, through junitparser (a maintained JUnit/xUnit2 reader):
one test case per contract test with its contract, level and witnesses; a failing contract a
failure with its findings and the curl line (key redacted) in ``<system-out>``; a SHOULD finding
a warning, never a pass; the run's verdict on the suite. Against the embedded reference
(everything passes, with evidence) and against a server with a planted lot bug."""

from __future__ import annotations

import json

import pytest
from junitparser.xunit2 import JUnitXml, TestCase
from runner_support import KEY_A, KEY_B, REAL_CONTRACTS, SHOULD_CONTRACT, RunResult

from scrip_conformance.runner.junit import annotate, junit_address


def read_back(run: RunResult) -> tuple[dict[str, str], dict[str, tuple[TestCase, dict[str, str]]]]:
    """The suite's properties, and each test case with its properties by contract id."""
    xml = JUnitXml.fromfile(str(run.report_dir / "junit.xml"))
    [suite] = list(xml)
    assert suite.name == "scrip-conformance"
    cases = {}
    for case in suite:
        props = {p.name: p.value for p in case.properties()}
        cases[props["scrip_contract"]] = (case, props)
    suite_props = {p.name: p.value for p in suite.properties()}
    counts = (suite.tests, suite.failures, suite.errors, suite.skipped)
    assert counts == (
        len(cases),
        sum(c.is_failure for c, _ in cases.values()),
        sum(c.is_error for c, _ in cases.values()),
        sum(c.is_skipped for c, _ in cases.values()),
    )
    return suite_props, cases


def test_a_conformant_run_reads_back_as_passes_with_their_contracts_and_witnesses(reference_run):
    assert reference_run.code == 0, reference_run.stdout + reference_run.stderr
    suite_props, cases = read_back(reference_run)
    assert set(cases) == {*REAL_CONTRACTS, SHOULD_CONTRACT}
    assert suite_props["scrip_verdict"] == "conformant"
    assert suite_props["scrip_exit_code"] == "0"
    assert suite_props["scrip_partial"].startswith("partial: 4 of ")
    for contract_id, (case, props) in cases.items():
        assert case.is_passed, contract_id
        assert props["scrip_level"] == ("SHOULD" if contract_id == SHOULD_CONTRACT else "MUST")
        counts = json.loads(props["scrip_witnesses"])[contract_id]
        assert counts and all(n > 0 for n in counts.values()), contract_id
        assert "scrip_verdict" not in props  # only failed, warned and not exercised are marked


def test_a_failing_contract_is_a_failure_with_its_curl_line_in_system_out(broken_server_run):
    assert broken_server_run.code == 1
    suite_props, cases = read_back(broken_server_run)
    assert suite_props["scrip_verdict"] == "not_conformant"
    assert suite_props["scrip_exit_code"] == "1"
    case, props = cases["LOT-REMAINING-LE-AMOUNT"]
    assert case.is_failure and not case.is_passed
    assert props["scrip_level"] == "MUST" and props["scrip_verdict"] == "failed"
    assert json.loads(props["scrip_witnesses"])["LOT-REMAINING-LE-AMOUNT"]["lots"] > 0
    [failure] = case.result
    assert failure.message.startswith("[LOT-REMAINING-LE-AMOUNT] lot remaining is outside")
    out = case.system_out
    assert out.startswith("FAILED: ")
    assert "[LOT-REMAINING-LE-AMOUNT] lot remaining is outside 0..amount (lot " in out
    assert "  expected: 0 <= remaining <= amount" in out
    reproduce = [line for line in out.splitlines() if line.startswith("  reproduce: ")]
    assert reproduce and all(
        line.startswith("  reproduce: curl -X GET -H 'X-API-Key: [REDACTED]'") for line in reproduce
    )
    assert "/balances/lots" in reproduce[0]
    for key in (KEY_A, KEY_B):
        assert key not in out and key not in failure.text
    # The contracts the server keeps are plain passes beside it.
    for contract_id in ("AUTH-MISSING-KEY-401", "SCHEDULE-SUMS-EXACTLY"):
        assert cases[contract_id][0].is_passed, contract_id


def test_a_should_finding_reads_back_as_a_warning_never_as_a_pass(broken_server_run):
    _suite_props, cases = read_back(broken_server_run)
    case, props = cases[SHOULD_CONTRACT]
    assert not case.is_passed  # counted apart from the passes ...
    assert not case.is_failure and not case.is_error  # ... without failing the build
    [skipped] = case.result
    assert skipped.type == "warning"
    assert skipped.message.startswith(f"WARNING: {SHOULD_CONTRACT} (SHOULD) not met: rate-limit")
    assert props["scrip_level"] == "SHOULD" and props["scrip_verdict"] == "warned"
    assert case.system_out.startswith("WARNING: SHOULD-level contract not met")
    assert f"[{SHOULD_CONTRACT}] rate-limit headers missing" in case.system_out
    assert "  reproduce: curl " in case.system_out


@pytest.mark.parametrize(
    ("nodeid", "address"),
    [
        ("read_only/test_lots.py::test_x[LOT-A]", ("read_only.test_lots", "test_x[LOT-A]")),
        ("a/b/test_c.py::TestD::test_e", ("a.b.test_c.TestD", "test_e")),
        ("test_f.py::test_g[x::y.py]", ("test_f", "test_g[x::y.py]")),
    ],
)
def test_a_finding_finds_its_test_case_by_the_address_junitxml_gives_it(nodeid, address):
    assert junit_address(nodeid) == address


JUNIT_OF_TWO = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="scrip-conformance" errors="0" failures="1" skipped="0" tests="2">
<testcase classname="read_only.test_lots" name="test_final[LOT-FINAL-HOLDS-NOTHING]"><properties>
<property name="scrip_contract" value="LOT-FINAL-HOLDS-NOTHING" />
<property name="scrip_level" value="MUST" /></properties></testcase>
<testcase classname="read_only.test_schedule" name="test_sums[SCHEDULE-SUMS-EXACTLY]"><properties>
<property name="scrip_contract" value="SCHEDULE-SUMS-EXACTLY" />
<property name="scrip_level" value="MUST" /></properties><failure message="[SCHEDULE-SUMS-EXACTLY]">
[SCHEDULE-SUMS-EXACTLY] ...</failure></testcase>
</testsuite></testsuites>
"""


def test_a_contract_that_checked_nothing_is_not_a_pass_and_a_known_finding_says_so(tmp_path):
    path = tmp_path / "junit.xml"
    path.write_text(JUNIT_OF_TWO, encoding="utf-8")
    finding = {
        "contract_id": "SCHEDULE-SUMS-EXACTLY",
        "summary": "buckets do not sum",
        "expected": "10.00",
        "observed": "9.99",
        "subject": "",
        "request": "curl -X GET -H 'X-API-Key: [REDACTED]' http://x/v1/reports/expiration",
        "test": "read_only/test_schedule.py::test_sums[SCHEDULE-SUMS-EXACTLY]",
        "baseline": "known",
        "baseline_reason": "ticket VEND-1",
        "baseline_expires": "2027-03-31",
    }
    summary = {
        "verdict": "inconclusive",
        "exit_code": 4,
        "seed": 1,
        "contracts": [
            {
                "id": "LOT-FINAL-HOLDS-NOTHING",
                "verdict": "not_exercised",
                "reason": "no CONSUMED or EXPIRED lot",
                "findings": [],
            },
            {"id": "SCHEDULE-SUMS-EXACTLY", "verdict": "failed", "findings": [finding]},
        ],
    }
    annotate(path, summary)
    _suite_props, cases = read_back(RunResult(4, "", "", tmp_path))
    case, props = cases["LOT-FINAL-HOLDS-NOTHING"]
    [skipped] = case.result
    assert (skipped.type, props["scrip_verdict"]) == ("not-exercised", "not_exercised")
    assert skipped.message == (
        "NOT EXERCISED: checked nothing (LOT-FINAL-HOLDS-NOTHING: no CONSUMED or EXPIRED lot)"
    )
    case, props = cases["SCHEDULE-SUMS-EXACTLY"]
    assert case.is_failure and props["scrip_verdict"] == "failed"
    assert "  reproduce: curl -X GET -H 'X-API-Key: [REDACTED]' http://x/" in case.system_out
    assert "  known: in the baseline until 2027-03-31 (ticket VEND-1)" in case.system_out
