"""What a failing test raised, turned into findings: our violations, schemathesis' failure
groups (with their curl line), and plain errors."""

from __future__ import annotations

import dataclasses

from schemathesis.core.failures import CustomFailure, Failure, FailureGroup

from scrip_conformance.runner.findings import findings_from_exception
from scrip_conformance.runner.outcomes import Finding
from scrip_conformance.violations import ContractFailure, Violation

VIOLATION = Violation(
    "LOT-REMAINING-LE-AMOUNT",
    "remaining above amount",
    "<= 10",
    "11",
    subject="lot 1",
    request="curl -X GET http://t/v1/x",
)


def test_each_violation_of_a_contract_failure_is_a_finding():
    found = findings_from_exception(ContractFailure([VIOLATION, VIOLATION]), "test_lots", "n::t")
    assert len(found) == 2
    first = found[0]
    assert (first.contract_id, first.check, first.test) == (
        "LOT-REMAINING-LE-AMOUNT",
        "test_lots",
        "n::t",
    )
    assert (first.expected, first.observed, first.request) == (
        "<= 10",
        "11",
        "curl -X GET http://t/v1/x",
    )


def test_every_field_of_a_violation_reaches_its_finding():
    violation = Violation("C-ID", "broke", "this", "that", subject="lot l1", request="curl x")
    finding = Finding.from_violation(violation, "test_lots", "n::t")
    for field in dataclasses.fields(Violation):
        assert getattr(finding, field.name) == getattr(violation, field.name), field.name
    assert (finding.check, finding.test) == ("test_lots", "n::t")
    assert Finding.from_violation(Violation("C", "s", "e", "o"), "c", "t").request is None


def test_a_failure_group_yields_each_failure_with_the_reproducing_curl():
    custom = CustomFailure(
        operation="GET /v1/x",
        title="lot_check",
        message="m",
        exception=ContractFailure([VIOLATION.at(None)]),
    )
    plain = Failure(operation="GET /v1/y", title="Server error", message="500 seen")
    group = FailureGroup([custom, plain])
    group.add_note("\nReproduce with:\n\n    curl -X GET -H 'X-API-Key: [Filtered]' http://t/v1/y")
    found = findings_from_exception(group, "test_fuzz", "n::f")
    assert [f.contract_id for f in found] == ["LOT-REMAINING-LE-AMOUNT", ""]
    assert found[0].request == "curl -X GET -H 'X-API-Key: [Filtered]' http://t/v1/y"
    assert found[1].check == "Server error (GET /v1/y)"
    assert found[1].summary == "ST901 Server error"
    assert found[1].observed == "500 seen"


def test_an_unexpected_error_is_a_finding_that_says_the_check_could_not_complete():
    (found,) = findings_from_exception(KeyError("remaining"), "test_lots", "n::t")
    assert found.contract_id == ""
    assert found.summary == "the check could not complete: KeyError"
    assert "remaining" in found.observed
