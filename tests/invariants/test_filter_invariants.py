"""Lot filters: exactly the matching lots, strict bounds, lots without expiry left out."""

from __future__ import annotations

from scrip_conformance.invariants import filters

LOTS = [
    {"id": "1", "status": "AVAILABLE", "reference_id": None, "expires_at": "2026-03-01T00:00:00Z"},
    {"id": "2", "status": "HELD", "reference_id": "auth_1", "expires_at": "2026-04-01T00:00:00Z"},
    {"id": "3", "status": "AVAILABLE", "reference_id": None, "expires_at": None},
    {"id": "4", "status": "EXPIRED", "reference_id": None, "expires_at": "2026-01-01T00:00:00Z"},
]


def result(name, value, returned, **kw):
    chosen = [lot for lot in LOTS if lot["id"] in returned]
    return [v.contract_id for v in filters.check_filter_result(LOTS, chosen, name, value, **kw)]


def test_exactly_the_matching_lots_in_list_order_pass():
    assert result("status", "AVAILABLE", ["1", "3"]) == []
    assert result("reference_id", "auth_1", ["2"]) == []
    assert result("status", "DEFERRED", []) == []


def test_a_bound_on_a_lots_expiry_leaves_that_lot_out_both_ways():
    assert result("expires_before", "2026-03-01T00:00:00Z", ["4"]) == []
    assert result("expires_after", "2026-03-01T00:00:00Z", ["2"]) == []
    assert result("expires_before", "2026-03-01T00:00:00Z", ["1", "4"]) == [
        "FILTER-LOT-EXPIRES-BEFORE"
    ]
    assert result("expires_after", "2026-03-01T00:00:00Z", ["1", "2"]) == [
        "FILTER-LOT-EXPIRES-AFTER"
    ]


def test_a_bound_in_another_offset_is_compared_as_an_instant():
    assert result("expires_before", "2026-03-01T01:00:00+01:00", ["4"]) == []


def test_an_ignored_or_partial_filter_is_caught():
    assert result("status", "AVAILABLE", ["1", "2", "3", "4"]) == ["FILTER-LOT-STATUS"]
    assert result("status", "AVAILABLE", ["1"]) == ["FILTER-LOT-STATUS"]
    assert result("reference_id", "auth_1", []) == ["FILTER-LOT-REFERENCE-ID"]


def test_lots_whose_status_may_have_changed_are_ignored():
    assert result("status", "AVAILABLE", ["3"], unstable_ids={"1"}) == []


def test_in_isolation_every_returned_lot_must_match():
    assert filters.check_every_lot_matches(LOTS[:1], {"status": "AVAILABLE"}) == []
    found = filters.check_every_lot_matches(LOTS, {"expires_after": "2026-02-01T00:00:00Z"})
    assert sorted(v.subject for v in found) == ["lot 3", "lot 4"]
