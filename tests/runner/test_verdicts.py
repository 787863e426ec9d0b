"""How test outcomes become a contract's verdict, and when the gate fails."""

from __future__ import annotations

from scrip_conformance.runner.outcomes import (
    ContractResult,
    Finding,
    ItemOutcome,
    by_area,
    totals,
)


def _finding(contract_id: str = "C", baseline: str = "new") -> Finding:
    return Finding(contract_id, "test_x", "broke", "a", "b", baseline=baseline)


def test_a_must_contract_with_a_finding_fails_the_gate():
    result = ContractResult("C", level="MUST", findings=[_finding()])
    assert result.verdict == "failed" and result.gate_fails


def test_a_should_contract_with_a_finding_only_warns():
    result = ContractResult("C", level="SHOULD", findings=[_finding()])
    assert result.verdict == "warned" and not result.gate_fails


def test_a_contract_whose_tests_passed_passes_even_if_another_was_skipped():
    result = ContractResult(
        "C",
        tests=[ItemOutcome("a", "passed"), ItemOutcome("b", "skipped", reason="no data")],
        witnesses={"lots": 3},
    )
    assert (result.verdict, result.reason) == ("passed", "")


def test_a_contract_whose_tests_passed_with_zero_witnesses_is_not_exercised_never_passed():
    result = ContractResult(
        "C",
        tests=[ItemOutcome("a", "passed")],
        witnesses={"final-state lots": 0},
        precondition="at least one CONSUMED or EXPIRED lot",
    )
    assert result.verdict == "not_exercised"
    assert "at least one CONSUMED or EXPIRED lot" in result.reason
    assert not result.gate_fails


def test_a_contract_whose_tests_were_all_skipped_is_not_run_with_their_reasons():
    result = ContractResult(
        "C",
        tests=[
            ItemOutcome("a", "skipped", reason="no lots"),
            ItemOutcome("b", "skipped", reason="no extension"),
            ItemOutcome("c", "skipped", reason="no lots"),
        ],
    )
    assert (result.verdict, result.reason) == ("not_run", "no lots; no extension")


def test_a_test_that_stopped_on_another_contract_proves_nothing():
    result = ContractResult("C", tests=[ItemOutcome("a", "inconclusive", reason="stopped")])
    assert result.verdict == "not_run"


def test_an_unselected_contract_says_why():
    result = ContractResult("C", selected=False, not_selected_reason="not selected (--only)")
    assert (result.verdict, result.reason) == ("not_run", "not selected (--only)")


def test_only_known_findings_keep_the_gate_open_and_expired_ones_close_it():
    assert not ContractResult("C", findings=[_finding(baseline="known")]).gate_fails
    assert ContractResult("C", findings=[_finding(baseline="expired")]).gate_fails
    mixed = [_finding(baseline="known"), _finding(baseline="new")]
    assert ContractResult("C", findings=mixed).gate_fails


def test_totals_and_areas_count_each_verdict():
    results = [
        ContractResult("A", area="lots", tests=[ItemOutcome("a", "passed")], witnesses={"x": 1}),
        ContractResult("B", area="lots", findings=[_finding("B")]),
        ContractResult("C", area="auth"),
        ContractResult("D", area="auth", tests=[ItemOutcome("d", "passed")]),
    ]
    assert totals(results) == {
        "passed": 1,
        "failed": 1,
        "warned": 0,
        "not_exercised": 1,
        "not_run": 1,
        "total": 4,
    }
    assert by_area(results)["lots"] == {
        "passed": 1,
        "failed": 1,
        "warned": 0,
        "not_exercised": 0,
        "not_run": 0,
    }
