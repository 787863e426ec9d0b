"""Single-lot invariants on hand-written lots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scrip_conformance.invariants import lots

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ASSET = "550e8400-e29b-41d4-a716-446655440001"


def lot(**changes) -> dict:
    base = {
        "id": "550e8400-e29b-41d4-a716-446655440002", "asset_id": ASSET, "amount": "100.00",
        "remaining": "75.50", "status": "AVAILABLE", "created_at": "2024-01-15T10:30:00Z",
        "expires_at": "2026-12-31T23:59:59Z", "matures_at": "2024-06-01T00:00:00Z",
        "reference_id": None,
    }  # fmt: skip
    return {**base, **changes}


def ids(violations) -> list[str]:
    return sorted(v.contract_id for v in violations)


def test_the_seed_example_lot_keeps_every_contract():
    assert lots.check_lot(lot(), scale=2, asset_id=ASSET, now=NOW) == []


@pytest.mark.parametrize(
    ("changes", "contract"),
    [
        ({"remaining": "100.01"}, "LOT-REMAINING-LE-AMOUNT"),
        ({"remaining": "-0.01"}, "LOT-REMAINING-LE-AMOUNT"),
        ({"status": "CONSUMED", "remaining": "0.01"}, "LOT-FINAL-HOLDS-NOTHING"),
        ({"status": "EXPIRED", "expires_at": "2026-05-01T00:00:00Z"}, "LOT-FINAL-HOLDS-NOTHING"),
        ({"asset_id": "550e8400-e29b-41d4-a716-446655440009"}, "LOT-BELONGS-TO-ASSET"),
        ({"amount": "100.0"}, "LOT-AMOUNT-AT-SCALE"),
        ({"remaining": "75.5"}, "LOT-AMOUNT-AT-SCALE"),
        ({"amount": "1e2"}, "LOT-AMOUNT-AT-SCALE"),
    ],
)
def test_a_broken_lot_names_its_contract(changes, contract):
    assert contract in ids(lots.check_lot(lot(**changes), scale=2, asset_id=ASSET, now=NOW))


@pytest.mark.parametrize(
    "changes",
    [
        {"expires_at": "2026-06-01T11:00:00Z"},  # AVAILABLE an hour after its expiry
        {"status": "EXPIRED", "remaining": "0.00", "expires_at": "2026-07-01T00:00:00Z"},
        {"status": "DEFERRED", "matures_at": "2026-05-01T00:00:00Z"},
        {"status": "DEFERRED", "matures_at": None},
        {"matures_at": "2026-07-01T00:00:00Z"},  # AVAILABLE before maturing
    ],
)
def test_a_status_the_dates_contradict_breaks_the_clock_contract(changes):
    found = lots.check_lot(lot(**changes), scale=2, now=NOW, skew=timedelta(seconds=5))
    assert ids(found) == ["LOT-STATUS-MATCHES-CLOCK"]


def test_the_clock_tolerance_forgives_an_expiry_within_the_skew():
    just_expired = lot(expires_at="2026-06-01T11:59:58Z")
    assert lots.check_lot(just_expired, now=NOW, skew=timedelta(seconds=5)) == []
    assert ids(lots.check_lot(just_expired, now=NOW)) == ["LOT-STATUS-MATCHES-CLOCK"]


def test_without_the_scale_only_a_consistent_scale_is_required():
    assert lots.check_lot(lot(amount="100", remaining="75")) == []
    assert ids(lots.check_lot(lot(amount="100.00", remaining="75.5"))) == ["LOT-AMOUNT-AT-SCALE"]


def test_lots_must_be_oldest_first_with_ties_broken_by_id():
    a = lot(id="a", created_at="2026-01-01T00:00:00Z")
    b = lot(id="b", created_at="2026-01-01T00:00:00Z")
    c = lot(id="c", created_at="2026-01-02T00:00:00Z")
    assert lots.check_order([a, b, c]) == []
    assert ids(lots.check_order([b, a, c])) == ["LOT-ORDER-OLDEST-FIRST"]
    assert ids(lots.check_order([c, a])) == ["LOT-ORDER-OLDEST-FIRST"]
