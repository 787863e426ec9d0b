"""How the run's verdict treats an outage and a refused write: not the contracts' fault."""

from __future__ import annotations

from scrip_conformance.runner.outage import REFUSED_SUMMARY, TRANSPORT_SUMMARY, RunWatch
from scrip_conformance.runner.outcomes import ContractResult, Finding


def _results(summary: str) -> dict[str, ContractResult]:
    out = {}
    for cid in ("AUTH-MISSING-KEY-401", "LOT-REMAINING-LE-AMOUNT"):
        out[cid] = ContractResult(
            id=cid,
            findings=[
                Finding(cid, "check", summary, "an answer", "no answer\n  request: curl -X GET x")
            ],
        )
    return out


def test_an_outage_is_one_finding_outside_the_contracts_and_exit_3():
    watch = RunWatch(None)
    watch.outage = "no answer within 10s (ReadTimeout)\n  request: curl -X GET 'http://t/v1/assets'"
    results, unattributed = _results(TRANSPORT_SUMMARY), []
    assert watch.settle(results, unattributed) == 3
    assert all(not r.findings for r in results.values())
    assert len(unattributed) == 1
    assert "curl -X GET 'http://t/v1/assets'" in unattributed[0].observed


def test_without_an_outage_the_findings_stay_and_the_gate_decides():
    watch = RunWatch(None)
    results, unattributed = _results("a real finding"), []
    assert watch.settle(results, unattributed) is None
    assert all(len(r.findings) == 1 for r in results.values())
    assert unattributed == []


def test_a_refused_write_is_a_suite_error_not_a_contract_finding():
    watch = RunWatch(None)
    results, unattributed = _results(REFUSED_SUMMARY), []
    assert watch.settle(results, unattributed) is None
    assert all(not r.findings for r in results.values())
    assert len(unattributed) == 1 and "suite" in unattributed[0].check


def test_one_finding_raised_by_many_tests_counts_once():
    repeated = Finding(
        "PAGINATION-HAS-MORE-CURSOR",
        "c",
        "the list never ends",
        "an end",
        "has_more true after 500 pages",
        request="curl x",
        test="t1",
    )
    other = Finding("PAGINATION-HAS-MORE-CURSOR", "c", "another", "an end", "x", test="t2")
    result = ContractResult(
        id="PAGINATION-HAS-MORE-CURSOR",
        findings=[repeated, repeated.__class__(**{**repeated.as_dict(), "test": "t2"}), other],
    )
    RunWatch(None).settle({result.id: result}, [])
    assert [f.summary for f in result.findings] == ["the list never ends", "another"]
