"""The per-response registry the fuzzing checks use: every operation is covered, and each check
judges any single response (2xx, 4xx, 5xx, not JSON) without raising."""

from __future__ import annotations

import pytest

from scrip_conformance.invariants import RESPONSE_INVARIANTS, ResponseContext, check_response
from scrip_conformance.invariants.registry import LIST_OPERATIONS, list_envelope
from scrip_conformance.resources import load_spec

HEADERS = {"content-type": "application/json", "X-RateLimit-Limit": "30",
           "X-RateLimit-Remaining": "29", "X-RateLimit-Reset": "1"}  # fmt: skip
LOT = {"id": "l1", "asset_id": "a1", "amount": "100.00", "remaining": "75.50",
       "status": "AVAILABLE", "created_at": "2024-01-15T10:30:00Z",
       "expires_at": "2025-12-31T23:59:59Z", "matures_at": "2024-06-01T00:00:00Z",
       "reference_id": "auth_12345"}  # fmt: skip


def ctx(operation_id, body, status=200, query=None, headers=HEADERS):
    return ResponseContext(operation_id, "GET", {}, query or {}, status, headers, body)


def ids(found):
    return sorted({v.contract_id for v in found})


def test_every_operation_of_the_spec_has_its_invariants():
    operations = {
        op["operationId"] for item in load_spec()["paths"].values() for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }  # fmt: skip
    assert operations == set(RESPONSE_INVARIANTS)
    assert all(callable(check) for checks in RESPONSE_INVARIANTS.values() for check in checks)


def test_the_envelope_check_applies_to_every_operation_answering_a_page():
    spec = load_spec()
    pages = set()
    for item in spec["paths"].values():
        for op in item.values():
            if not isinstance(op, dict) or "operationId" not in op:
                continue
            answer = op["responses"].get("200", {})
            if "$ref" in answer:  # '#/components/responses/X'
                answer = spec["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
            schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
            if schema.get("$ref", "").endswith("Page"):
                pages.add(op["operationId"])
    assert pages == set(LIST_OPERATIONS)
    assert all(list_envelope in RESPONSE_INVARIANTS[op] for op in pages)


@pytest.mark.parametrize("status", [200, 201, 400, 401, 404, 422, 429, 500])
@pytest.mark.parametrize("body", [None, {}, [], "text", {"data": None}, {"data": [None, 3]}])
def test_checks_never_raise_on_odd_responses(status, body):
    for operation_id in RESPONSE_INVARIANTS:
        check_response(ctx(operation_id, body, status, {"limit": "x", "from": "bad"}))


def test_a_correct_lot_page_passes_and_a_broken_one_is_named():
    page = {"data": [LOT], "pagination": {"has_more": False, "next_cursor": None}}
    query = {"asset_id": "a1", "status": "AVAILABLE", "limit": "1"}
    assert check_response(ctx("listParticipantLots", page, query=query)) == []
    broken = {"data": [dict(LOT, remaining="100.01", status="HELD"), LOT],
              "pagination": {"has_more": True, "next_cursor": None}}  # fmt: skip
    assert ids(check_response(ctx("listParticipantLots", broken, query=query))) == [
        "FILTER-LOT-STATUS",
        "LOT-ORDER-OLDEST-FIRST",
        "LOT-REMAINING-LE-AMOUNT",
        "PAGINATION-HAS-MORE-CURSOR",
        "PAGINATION-LIMIT-RESPECTED",
    ]


def test_a_schedule_that_does_not_sum_is_named():
    row = {"asset_id": "a1", "scale": 0, "never_expiring": "1", "expiring_before_window": "0",
           "expiring_after_window": "0", "total_outstanding": "2", "buckets": [],
           "asset_name": "n", "asset_symbol": "S"}  # fmt: skip
    page = {"data": [row], "pagination": {"has_more": False, "next_cursor": None}}
    query = {"from": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z"}
    assert ids(check_response(ctx("getExpirationSchedule", page, query=query))) == [
        "SCHEDULE-SUMS-EXACTLY"
    ]


def test_a_plain_text_401_is_named():
    found = check_response(ctx("getAsset", None, 401, headers={"content-type": "text/plain"}))
    assert ids(found) == ["ERROR-BODY-SHAPE", "RATELIMIT-HEADERS", "RESPONSE-IS-JSON"]


def test_participant_counters_and_balance_order():
    row = {"available": "1", "held": "0", "deferred": "0"}
    balances = [dict(row, asset_id="b"), dict(row, asset_id="a")]
    participant = {"id": "p", "counters": {"n": 3}, "balances": balances}
    assert ids(check_response(ctx("getParticipant", participant))) == [
        "BALANCE-ROWS-SORTED",
        "PARTICIPANT-COUNTERS-ARE-STRINGS",
    ]
