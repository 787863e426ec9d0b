"""Balances against lots (D-OVERDRAFT), scale, counters, order and the two endpoints."""

from __future__ import annotations

from scrip_conformance.invariants import balances

LOTS = [
    {"status": "AVAILABLE", "remaining": "10.00"},
    {"status": "AVAILABLE", "remaining": "5.50"},
    {"status": "HELD", "remaining": "2.00"},
    {"status": "DEFERRED", "remaining": "1.00"},
    {"status": "EXPIRED", "remaining": "0.00"},
    {"status": "CONSUMED", "remaining": "0.00"},
]
ROW = {"asset_id": "a", "available": "15.50", "held": "2.00", "deferred": "1.00"}


def ids(found):
    return [v.contract_id for v in found]


def test_balances_equal_to_the_lot_sums_pass():
    assert balances.check_matches_lots(ROW, LOTS, 2) == []


def test_a_bucket_off_by_a_minor_unit_is_caught():
    for bucket, value in (("available", "15.51"), ("held", "1.99"), ("deferred", "0.00")):
        found = balances.check_matches_lots({**ROW, bucket: value}, LOTS, 2)
        assert ids(found) == ["BALANCE-EQUALS-LOT-SUMS"] and bucket in found[0].summary


def test_an_overdraft_is_allowed_only_when_no_available_lot_holds_value():
    drained = [lot for lot in LOTS if lot["status"] != "AVAILABLE"]
    assert balances.check_matches_lots({**ROW, "available": "-3.00"}, drained, 2) == []
    assert ids(balances.check_matches_lots({**ROW, "available": "-3.00"}, LOTS, 2)) == [
        "BALANCE-EQUALS-LOT-SUMS"
    ]


def test_scale_and_sign():
    assert balances.check_row_scale(ROW, 2) == []
    assert balances.check_row_scale({**ROW, "available": "-1.00"}, 2) == []
    assert ids(balances.check_row_scale({**ROW, "held": "-1.00"}, 2)) == ["BALANCE-AT-SCALE"]
    assert ids(balances.check_row_scale({**ROW, "available": "15.5"}, 2)) == ["BALANCE-AT-SCALE"]
    assert ids(balances.check_row_consistent_scale({**ROW, "deferred": "1"})) == [
        "BALANCE-AT-SCALE"
    ]


def test_counters_must_be_decimal_strings():
    assert balances.check_counters({"id": "p", "counters": {"purchases": "42"}}) == []
    found = balances.check_counters({"id": "p", "counters": {"purchases": 42, "x": "4.2e1"}})
    assert ids(found) == ["PARTICIPANT-COUNTERS-ARE-STRINGS"] * 2


def test_rows_one_per_asset_in_asset_id_order():
    assert balances.check_rows_sorted([{"asset_id": "a"}, {"asset_id": "b"}]) == []
    assert ids(balances.check_rows_sorted([{"asset_id": "b"}, {"asset_id": "a"}])) == [
        "BALANCE-ROWS-SORTED"
    ]
    assert ids(balances.check_rows_sorted([{"asset_id": "a"}, {"asset_id": "a"}])) == [
        "BALANCE-ROWS-SORTED"
    ]


def test_the_balances_list_must_equal_the_inline_balances():
    assert balances.check_list_equals_detail([ROW], [dict(ROW)]) == []
    assert ids(balances.check_list_equals_detail([ROW], [{**ROW, "held": "2.01"}])) == [
        "BALANCES-LIST-EQUALS-DETAIL"
    ]


def test_balances_judged_from_sums_folded_page_by_page():
    sums = balances.lot_sums(LOTS[:3])
    for bucket, more in balances.lot_sums(LOTS[3:]).items():
        sums[bucket] += more
    assert balances.check_matches_sums(ROW, sums, 2) == []
    sums["held"] += 1
    assert ids(balances.check_matches_sums(ROW, sums, 2)) == ["BALANCE-EQUALS-LOT-SUMS"]
