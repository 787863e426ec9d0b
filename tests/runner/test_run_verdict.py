"""The run's verdict cannot be vacuous: CONFORMANT needs evidence for every selected MUST
contract; gaps are open (INCONCLUSIVE, exit 4), accepted or declared, never silently dropped."""

from __future__ import annotations

import datetime as dt
import signal

from scrip_conformance.runner.baseline import parse_baseline
from scrip_conformance.runner.causes import failing_in_order, root_causes
from scrip_conformance.runner.outcomes import ContractResult, Finding, ItemOutcome
from scrip_conformance.runner.verdict import GapAcceptance, decide

TODAY = dt.date(2026, 6, 1)


def _passed(cid: str, level: str = "MUST") -> ContractResult:
    return ContractResult(
        cid, level=level, tests=[ItemOutcome("t", "passed")], witnesses={"lots": 2}
    )


def _unexercised(cid: str, level: str = "MUST") -> ContractResult:
    return ContractResult(
        cid,
        level=level,
        tests=[ItemOutcome("t", "passed")],
        precondition="at least one CONSUMED or EXPIRED lot",
    )


def _not_run(cid: str, reason: str) -> ContractResult:
    return ContractResult(cid, tests=[ItemOutcome("t", "skipped", reason=reason)])


def _failed(cid: str, request: str | None = "curl http://t/a", level: str = "MUST"):
    finding = Finding(cid, "test_x", f"{cid} broke", "a", "b", request=request)
    return ContractResult(cid, level=level, tests=[ItemOutcome("t", "failed")], findings=[finding])


def test_every_must_contract_with_evidence_is_conformant_exit_0():
    run = decide([_passed("A"), _passed("B")], today=TODAY)
    assert (run.verdict, run.exit_code, run.gaps) == ("conformant", 0, [])
    assert run.headline == "CONFORMANT"


def test_a_must_contract_without_witnesses_makes_the_run_inconclusive_exit_4():
    run = decide([_passed("A"), _unexercised("B")], today=TODAY)
    assert (run.verdict, run.exit_code) == ("inconclusive", 4)
    (gap,) = run.gaps
    assert (gap.contract_id, gap.state, gap.status) == ("B", "not_exercised", "open")
    assert "at least one CONSUMED or EXPIRED lot" in gap.how
    assert run.headline == "INCONCLUSIVE (1 MUST contract(s) without evidence)"


def test_a_must_contract_not_run_makes_the_run_inconclusive():
    run = decide([_passed("A"), _not_run("B", "the target holds no lots to walk")], today=TODAY)
    assert run.verdict == "inconclusive" and run.gaps[0].state == "not_run"


def test_a_finding_outweighs_missing_evidence():
    run = decide([_failed("A"), _unexercised("B")], today=TODAY)
    assert (run.verdict, run.exit_code) == ("not_conformant", 1)


def test_should_contracts_never_change_the_verdict():
    run = decide(
        [_passed("A"), _unexercised("S", "SHOULD"), _failed("T", level="SHOULD")], today=TODAY
    )
    assert (run.verdict, run.gaps) == ("conformant", [])


def test_an_accepted_gap_is_listed_and_does_not_make_the_run_inconclusive():
    acceptance = GapAcceptance("B", "staging has no expired lots", "--accept-gap")
    run = decide([_passed("A"), _unexercised("B")], acceptances=[acceptance], today=TODAY)
    assert run.verdict == "conformant"
    (gap,) = run.gaps
    assert (gap.status, gap.accepted_by, gap.reason) == (
        "accepted",
        "--accept-gap",
        "staging has no expired lots",
    )
    assert "1 accepted or declared gap(s)" in run.headline


def test_a_baseline_gap_entry_accepts_until_it_expires_then_the_gap_is_open_again():
    baseline = parse_baseline(
        {
            "entries": [
                {"kind": "gap", "contract": "B", "reason": "ticket V-9", "expires": "2026-05-31"},
            ]
        },
        "b.yaml",
    )
    (acceptance,) = baseline.gap_acceptances()
    assert acceptance.source == "baseline b.yaml"
    before = decide([_unexercised("B")], acceptances=[acceptance], today=dt.date(2026, 5, 31))
    after = decide([_unexercised("B")], acceptances=[acceptance], today=TODAY)
    assert before.verdict == "conformant" and before.gaps[0].expires == "2026-05-31"
    assert after.verdict == "inconclusive" and after.expired_acceptances == [acceptance]


def test_an_acceptance_for_a_contract_with_evidence_is_reported_unused():
    acceptance = GapAcceptance("A", "r", "--accept-gap")
    run = decide([_passed("A")], acceptances=[acceptance], today=TODAY)
    assert run.unused_acceptances == [acceptance]


def test_unsupported_features_and_a_missing_second_key_are_declared_gaps():
    results = [
        _passed("A"),
        _not_run("B", "the target declares no support for liability-report"),
        _not_run("C", "no second organization's key (--second-org-key)"),
    ]
    run = decide(results, today=TODAY)
    assert run.verdict == "conformant"
    assert [(g.contract_id, g.status, g.accepted_by) for g in run.gaps] == [
        ("B", "declared", "--unsupported"),
        ("C", "declared", "no --second-org-key"),
    ]
    assert "--second-org-key" in run.gaps[1].how


def test_an_unselected_contract_is_no_gap_but_the_selection_is_partial():
    skipped = ContractResult("B", selected=False, not_selected_reason="not selected (--only)")
    run = decide([_passed("A"), skipped], today=TODAY, partial_by="--only", catalog_size=91)
    assert run.verdict == "conformant" and run.gaps == []
    assert run.partial == "partial: 1 of 91 contracts selected (--only)"
    assert run.headline == "CONFORMANT (partial: 1 of 91 contracts selected (--only))"


def test_an_interrupted_run_is_never_conformant_and_exits_130_or_143():
    sigint = decide([_passed("A")], today=TODAY, interrupted_by=signal.SIGINT)
    sigterm = decide([_failed("A")], today=TODAY, interrupted_by=signal.SIGTERM)
    assert (sigint.verdict, sigint.exit_code) == ("interrupted", 130)
    assert (sigterm.verdict, sigterm.exit_code) == ("interrupted", 143)


def test_findings_on_one_endpoint_make_one_root_cause_earliest_first():
    lots = "curl -X GET -H 'X-API-Key: [REDACTED]' 'http://t/v1/participants/{}/balances/lots?x=1'"
    a = _failed("A", lots.format("0b0e3c1e-2f43-4c55-9b7a-5d3c2a1b0c9d"))
    b = _failed("B", "curl -X GET http://t/v1/reports/expiration-schedule")
    c = _failed("C", lots.format("7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2918"))
    warned = _failed("W", "curl -X GET http://t/v1/assets", level="SHOULD")
    a.first_seen, b.first_seen, c.first_seen, warned.first_seen = 1, 2, 3, 4
    causes = root_causes([c, warned, b, a])
    assert [(x.endpoint, x.contracts, x.findings) for x in causes] == [
        ("GET /v1/participants/{id}/balances/lots", ["A", "C"], 2),
        ("GET /v1/reports/expiration-schedule", ["B"], 1),
    ]
    assert causes[0].request == a.findings[0].request  # a concrete line to reproduce
    assert [r.id for r in failing_in_order([c, warned, b, a])] == ["A", "B", "C", "W"]


def test_a_contract_whose_evidence_no_api_call_creates_is_a_declared_gap_when_unexercised():
    beyond = ContractResult(
        "COUNTERS",
        tests=[ItemOutcome("t", "passed")],
        precondition="a participant with counters",
        beyond_api="counters are set by rules the API cannot run",
    )
    run = decide([_passed("A"), beyond], today=TODAY)
    assert run.verdict == "conformant"
    assert [(g.contract_id, g.status, g.reason) for g in run.gaps] == [
        ("COUNTERS", "declared", "counters are set by rules the API cannot run")
    ]


def test_beyond_the_api_never_excuses_a_contract_that_was_not_run():
    beyond = ContractResult(
        "COUNTERS",
        tests=[ItemOutcome("t", "skipped", reason="no lots")],
        beyond_api="counters are set by rules the API cannot run",
    )
    run = decide([_passed("A"), beyond], today=TODAY)
    assert run.verdict == "inconclusive"
    assert run.gaps[0].status == "open"
