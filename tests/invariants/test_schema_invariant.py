"""RESPONSE-MATCHES-SPEC on hand-written answers."""

from __future__ import annotations

from scrip_conformance.invariants.schema import check_matches_spec, check_no_unknown_fields

LOT = {
    "id": "550e8400-e29b-41d4-a716-446655440002",
    "asset_id": "550e8400-e29b-41d4-a716-446655440001",
    "amount": "100.00",
    "remaining": "75.50",
    "status": "AVAILABLE",
    "created_at": "2024-01-15T10:30:00Z",
    "expires_at": "2025-12-31T23:59:59Z",
    "matures_at": "2024-06-01T00:00:00Z",
    "reference_id": "auth_12345",
}
PAGE = {"data": [LOT], "pagination": {"has_more": True, "next_cursor": "YWJjMTIz"}}


def test_the_seed_example_matches_the_spec():
    assert check_matches_spec("listParticipantLots", 200, PAGE) == []
    assert check_matches_spec("getAsset", 401, {"code": "unauthorized", "message": "m"}) == []


def test_a_wrong_type_or_an_undocumented_status_is_named():
    number = {"data": [dict(LOT, amount=100)], "pagination": PAGE["pagination"]}
    for body, status in ((number, 200), (PAGE, 202)):
        found = check_matches_spec("listParticipantLots", status, body)
        assert [v.contract_id for v in found] == ["RESPONSE-MATCHES-SPEC"], body


def test_an_extra_response_field_matches_the_spec_and_is_named_as_a_note():
    """D-RESPONSE-FIELDS: response objects are open; RESPONSE-NO-UNKNOWN-FIELDS names the field."""
    extra = {"data": [dict(LOT, color="red"), LOT], "pagination": dict(PAGE["pagination"], n=1)}
    assert check_matches_spec("listParticipantLots", 200, extra) == []
    found = check_no_unknown_fields("listParticipantLots", 200, extra)
    assert [v.contract_id for v in found] == ["RESPONSE-NO-UNKNOWN-FIELDS"]
    assert found[0].observed == "data[].color, pagination.n"


def test_declared_fields_maps_and_free_form_details_are_not_unknown():
    assert check_no_unknown_fields("listParticipantLots", 200, PAGE) == []
    participant = {"attributes": {"any": "x"}, "counters": {"visits": "2"}, "balances": []}
    assert check_no_unknown_fields("getParticipant", 200, participant) == []
    error = {"code": "not_found", "message": "m", "details": {"anything": [1]}}
    assert check_no_unknown_fields("getAsset", 404, error) == []
    found = check_no_unknown_fields("getAsset", 404, dict(error, request_id="r1"))
    assert [v.observed for v in found] == ["request_id"]


def test_server_errors_are_left_to_error_no_5xx():
    assert check_matches_spec("getAsset", 500, {"oops": True}) == []


MUTATIONS = [
    ("id", "not-a-uuid"), ("id", "550e8400-e29b-41d4-a716-44665544000"),
    ("created_at", "2024-13-01T00:00:00Z"), ("created_at", "2024-01-15 10:30:00"),
    ("expires_at", None), ("matures_at", "yesterday"), ("status", "WEIRD"), ("amount", 100),
    ("remaining", None), ("reference_id", 7), ("color", "red"),
]  # fmt: skip


def test_the_compiled_fast_path_agrees_with_the_spec_validator():
    """Each answer the fast path lets through, spec_schemas accepts too (and the reverse)."""
    from scrip_conformance import spec_schemas
    from scrip_conformance.invariants import schema

    fast = schema._fast_validator("listParticipantLots", 200)
    assert fast is not None and schema._fast_validator("getAsset", 401) is not None
    for name, value in MUTATIONS:
        body = {"data": [LOT, dict(LOT, **{name: value})], "pagination": PAGE["pagination"]}
        slow = spec_schemas.validate_response("listParticipantLots", 200, body)
        assert fast.is_valid(body) == (slow == []), (name, value, slow)
        assert (check_matches_spec("listParticipantLots", 200, body) == []) == (slow == [])
