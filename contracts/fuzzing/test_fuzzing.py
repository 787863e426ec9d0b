"""Spec-driven fuzzing: schemathesis over openapi/scrip.yaml, judged by the ledger's invariants.

The session runs schemathesis once (fixture ``fuzz_report`` of ``scrip_conformance.fuzzing.plugin``:
examples, coverage, fuzzing and stateful phases, positive and negative data, real ids fed into
parameters); each test below reports the findings of the checks behind its contract, each with
the failing check's name and a curl line (key redacted). Without a writing profile the run sends
GET requests only.
"""

from __future__ import annotations

import json

import pytest

from scrip_conformance.fuzzing.report import COVERAGE_CONTRACT, FuzzReport
from scrip_conformance.violations import Violation, raise_if_any


def _findings(report: FuzzReport, contract_id: str) -> list[Violation]:
    return [failure.as_violation() for failure in report.failures_of(contract_id)]


def _stateful_cases(report: FuzzReport) -> int:
    return sum(
        n for cov in report.operations.values()
        for phase, n in cov.phases.items() if str(phase).lower().startswith("stateful")
    )  # fmt: skip


def _answered_2xx(report: FuzzReport) -> int:
    return sum(
        n for cov in report.operations.values()
        for code, n in cov.statuses.items() if code.startswith("2")
    )  # fmt: skip


# What each contract judged in the fuzzing run: the cases it checked (links and lifecycles need
# the stateful phase; the ledger invariants need answers holding data, i.e. 2xx).
WITNESSES = {
    "FUZZ-NO-SERVER-ERROR": ("generated requests answered", lambda r: r.cases_sent),
    "FUZZ-SCHEMA-CONFORMANCE": ("responses checked against the spec", lambda r: r.cases_sent),
    "FUZZ-INPUT-VALIDATION": ("generated requests", lambda r: r.cases_sent),
    "FUZZ-AUTH": ("generated requests", lambda r: r.cases_sent),
    "FUZZ-RESOURCE-LIFECYCLE": ("stateful-phase cases", _stateful_cases),
    "FUZZ-LEDGER-INVARIANTS": ("2xx answers judged", _answered_2xx),
    "FUZZ-STATEFUL-LINKS": ("stateful-phase cases", _stateful_cases),
    "FUZZ-COVERAGE": ("operations fuzzed", lambda r: len(r.operations)),
}


def _witness(witness, report: FuzzReport, contract_id: str) -> None:
    what, count = WITNESSES[contract_id]
    witness(contract_id, what, count(report))


@pytest.mark.contract("FUZZ-NO-SERVER-ERROR")
def test_no_generated_request_gets_a_server_error(fuzz_report: FuzzReport, witness) -> None:
    _witness(witness, fuzz_report, "FUZZ-NO-SERVER-ERROR")
    errors = [
        Violation(
            contract_id="FUZZ-NO-SERVER-ERROR",
            summary="a generated request got no usable answer",
            expected="an HTTP answer below 500 to every request",
            observed=error,
        )
        for error in fuzz_report.errors
    ]
    raise_if_any(_findings(fuzz_report, "FUZZ-NO-SERVER-ERROR") + errors)


@pytest.mark.contract("FUZZ-SCHEMA-CONFORMANCE")
def test_every_fuzzed_response_matches_the_spec(fuzz_report: FuzzReport, witness) -> None:
    _witness(witness, fuzz_report, "FUZZ-SCHEMA-CONFORMANCE")
    raise_if_any(_findings(fuzz_report, "FUZZ-SCHEMA-CONFORMANCE"))


@pytest.mark.contract("FUZZ-INPUT-VALIDATION")
def test_invalid_input_is_rejected_and_valid_input_accepted(
    fuzz_report: FuzzReport, witness
) -> None:
    _witness(witness, fuzz_report, "FUZZ-INPUT-VALIDATION")
    raise_if_any(_findings(fuzz_report, "FUZZ-INPUT-VALIDATION"))


@pytest.mark.contract("FUZZ-AUTH")
def test_no_fuzzed_request_gets_past_missing_auth(fuzz_report: FuzzReport, witness) -> None:
    _witness(witness, fuzz_report, "FUZZ-AUTH")
    raise_if_any(_findings(fuzz_report, "FUZZ-AUTH"))


@pytest.mark.contract("FUZZ-RESOURCE-LIFECYCLE")
def test_created_resources_are_available_through_links(fuzz_report: FuzzReport, witness) -> None:
    _witness(witness, fuzz_report, "FUZZ-RESOURCE-LIFECYCLE")
    raise_if_any(_findings(fuzz_report, "FUZZ-RESOURCE-LIFECYCLE"))


@pytest.mark.contract("FUZZ-LEDGER-INVARIANTS")
def test_every_fuzzed_response_keeps_the_ledger_invariants(
    fuzz_report: FuzzReport, witness
) -> None:
    _witness(witness, fuzz_report, "FUZZ-LEDGER-INVARIANTS")
    raise_if_any(_findings(fuzz_report, "FUZZ-LEDGER-INVARIANTS"))


@pytest.mark.contract("FUZZ-STATEFUL-LINKS")
def test_traversals_along_links_and_cursors_stay_consistent(
    fuzz_report: FuzzReport, witness
) -> None:
    _witness(witness, fuzz_report, "FUZZ-STATEFUL-LINKS")
    raise_if_any(_findings(fuzz_report, "FUZZ-STATEFUL-LINKS"))


@pytest.mark.contract(COVERAGE_CONTRACT)
def test_fuzzing_reaches_a_2xx_on_every_operation(
    fuzz_report: FuzzReport, record_property: pytest.RecordProperty, witness
) -> None:
    _witness(witness, fuzz_report, COVERAGE_CONTRACT)
    coverage = {
        op: {"cases": cov.cases, "statuses": cov.statuses, "reached_2xx": cov.reached_2xx}
        for op, cov in fuzz_report.operations.items()
    }
    record_property("fuzz_coverage", json.dumps(coverage, sort_keys=True))
    record_property("fuzz_cases_sent", fuzz_report.cases_sent)
    misses = []
    for op in fuzz_report.operations_without_2xx():
        cov = fuzz_report.operations[op]
        seen = ", ".join(f"{code} x{n}" for code, n in sorted(cov.statuses.items())) or "nothing"
        misses.append(
            Violation(
                contract_id=COVERAGE_CONTRACT,
                summary="fuzzing never reached a 2xx on this operation",
                expected="at least one 2xx among the generated requests",
                observed=f"{cov.cases} cases: {seen}",
                subject=op,
            )
        )
    raise_if_any(misses)
