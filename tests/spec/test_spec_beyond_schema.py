"""The spec lists the request rules JSON Schema cannot state (``x-beyond-json-schema``); each
names real operations and an answer they document, so fuzzing can expect exactly these."""

from __future__ import annotations

import pytest

from scrip_conformance.resources import load_spec

SPEC = load_spec()
RULES = SPEC["x-beyond-json-schema"]["rules"]
OPERATIONS = {
    op["operationId"]: op
    for item in SPEC["paths"].values()
    for op in item.values()
    if isinstance(op, dict) and "operationId" in op
}


@pytest.mark.parametrize("rule", RULES, ids=[r["rule"][:40] for r in RULES])
def test_a_rule_beyond_json_schema_names_operations_that_document_its_answer(rule):
    status = rule["answer"].split(" ", 1)[0]
    assert rule["operations"], rule
    for op in rule["operations"]:
        assert op in OPERATIONS, op
        assert status in OPERATIONS[op]["responses"], (op, status)


def test_the_request_rules_json_schema_can_state_are_in_the_schemas():
    """Not in the list: forfeit's bucket, void-hold's fields, a DEBIT's credit-only fields."""
    schemas = SPEC["components"]["schemas"]
    assert schemas["ForfeitRequest"]["allOf"][1]["required"] == ["bucket"]
    void = schemas["VoidHoldRequest"]["allOf"][1]
    assert void["required"] == ["reference_id"]
    assert set(void["properties"]) == {"amount", "lot_ids", "earned_from", "earned_to"}
    assert any("CREDITs only" in c["description"] for c in schemas["AdjustRequest"]["allOf"])
