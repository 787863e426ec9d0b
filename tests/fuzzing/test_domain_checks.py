"""The schemathesis checks built from the invariants, on hand-made exchanges (no HTTP)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import schemathesis

from scrip_conformance.fuzzing.checks import (
    DOMAIN_CHECKS,
    make_check,
    pagination_traversal_consistent,
)
from scrip_conformance.invariants import RESPONSE_INVARIANTS
from scrip_conformance.violations import ContractFailure

LOTS = "listParticipantLots"
KEY = "sk_check_secret"


def exchange(op: str, query: dict, body: object, status: int = 200):
    url = "http://127.0.0.1:1/v1/participants/p1/balances/lots?" + "&".join(
        f"{k}={v}" for k, v in query.items()
    )
    case = SimpleNamespace(
        query=query,
        path_parameters={"id": "p1"},
        method="GET",
        operation=SimpleNamespace(
            definition=SimpleNamespace(raw={"operationId": op}), label=f"GET {op}"
        ),
    )
    response = SimpleNamespace(
        status_code=status,
        content=json.dumps(body).encode(),
        headers={"Content-Type": ["application/json"]},
        request=SimpleNamespace(method="GET", url=url, headers={"X-API-Key": KEY}, body=None),
    )
    return case, response


def lot(lot_id: str, created: str) -> dict:
    return {
        "id": lot_id,
        "asset_id": "a1",
        "amount": "5.00",
        "remaining": "5.00",
        "status": "AVAILABLE",
        "created_at": created,
        "expires_at": None,
        "matures_at": None,
        "reference_id": None,
    }


def page(lots: list[dict], cursor: str | None) -> dict:
    return {"data": lots, "pagination": {"has_more": cursor is not None, "next_cursor": cursor}}


A = lot("00000000-0000-4000-8000-00000000000a", "2026-01-01T00:00:00Z")
B = lot("00000000-0000-4000-8000-00000000000b", "2026-01-02T00:00:00Z")
C = lot("00000000-0000-4000-8000-00000000000c", "2026-01-03T00:00:00Z")


def walk(check, pages: list[tuple[dict, dict]]) -> None:
    for query, body in pages:
        case, response = exchange(LOTS, query, body)
        check.after_response(None, response, case)


def test_every_invariant_is_registered_as_a_check_named_after_it():
    names = {fn.__name__ for fns in RESPONSE_INVARIANTS.values() for fn in fns}
    assert names <= set(DOMAIN_CHECKS)
    registered = set(schemathesis.checks.CHECKS.get_all_names())
    assert set(DOMAIN_CHECKS) <= registered


def test_a_traversal_whose_second_page_repeats_a_row_is_caught_with_a_redacted_curl():
    check = pagination_traversal_consistent()
    walk(check, [({"asset_id": "a1", "limit": 2}, page([A, B], "c1"))])
    with pytest.raises(ContractFailure) as caught:
        walk(check, [({"asset_id": "a1", "limit": 2, "cursor": "c1"}, page([B, C], None))])
    violations = caught.value.violations
    assert "PAGINATION-NO-DUPLICATES" in {v.contract_id for v in violations}
    assert all("[REDACTED]" in v.request and KEY not in v.request for v in violations)


def test_lots_out_of_order_across_a_page_boundary_are_caught():
    check = pagination_traversal_consistent()
    walk(check, [({"asset_id": "a1", "limit": 2}, page([B, C], "c1"))])
    with pytest.raises(ContractFailure) as caught:
        walk(check, [({"asset_id": "a1", "limit": 2, "cursor": "c1"}, page([A], None))])
    assert {v.contract_id for v in caught.value.violations} == {"LOT-ORDER-OLDEST-FIRST"}


def test_a_consistent_traversal_and_a_cursor_reused_with_other_filters_pass():
    check = pagination_traversal_consistent()
    walk(
        check,
        [
            ({"asset_id": "a1", "limit": 1}, page([A], "c1")),
            ({"asset_id": "a1", "limit": 1, "cursor": "c1"}, page([B], "c2")),
            ({"asset_id": "a1", "limit": 1, "cursor": "c2"}, page([C], None)),
            # another filter set is another traversal: seeing A again there is no repeat
            ({"asset_id": "a1", "status": "AVAILABLE", "cursor": "c1"}, page([A], None)),
        ],
    )


def test_an_invariant_check_judges_only_its_operations_and_names_the_contract():
    lot_page = next(fn for fn in RESPONSE_INVARIANTS[LOTS] if fn.__name__ == "lot_page")
    check = make_check(lot_page)
    assert check.__name__ == "lot_page"
    broken = dict(A, remaining="6.00")
    case, response = exchange(LOTS, {"asset_id": "a1"}, page([broken], None))
    with pytest.raises(ContractFailure) as caught:
        check(None, response, case)
    assert "LOT-REMAINING-LE-AMOUNT" in {v.contract_id for v in caught.value.violations}
    other_case, other_response = exchange("getAsset", {}, page([broken], None))
    assert check(None, other_response, other_case) is None
