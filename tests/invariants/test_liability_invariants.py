"""The liability report: row shape, bucket rows, balances and the schedule."""

from __future__ import annotations

from decimal import Decimal

from scrip_conformance.invariants import liability


def r(asset, program, bucket, balance, scale=2):
    names = {"asset_name": "n", "asset_symbol": "S", "program_name": "p"}
    return {"asset_id": asset, "program_id": program, "bucket": bucket, "balance": balance,
            "scale": scale, **names}  # fmt: skip


SPLIT = [
    r("a", "p", "AVAILABLE", "10.00"),
    r("a", "p", "HELD", "2.00"),
    r("a", "q", "AVAILABLE", "-1.00"),
]
PLAIN = [r("a", "p", None, "12.00"), r("a", "q", None, "-1.00")]


def ids(found):
    return [v.contract_id for v in found]


def test_well_formed_rows_pass():
    assert liability.check_page(SPLIT, True) == []
    assert liability.check_page(PLAIN, False) == []


def test_bucket_field_order_and_scale_are_checked():
    assert ids(liability.check_page(PLAIN, True)) == ["LIABILITY-ROWS-WELL-FORMED"] * 2
    assert ids(liability.check_page(list(reversed(SPLIT)), True)) == ["LIABILITY-ROWS-WELL-FORMED"]
    assert ids(liability.check_page([r("a", "p", None, "1.0")], False)) == [
        "LIABILITY-ROWS-WELL-FORMED"
    ]


def test_a_bucket_that_is_not_a_string_is_judged_not_raised():
    rows = [r("a", "p", "AVAILABLE", "1.00"), r("a", "p", ["HELD"], "1.00")]
    assert ids(liability.check_page(rows, True)) == ["LIABILITY-ROWS-WELL-FORMED"]


def test_bucket_rows_sum_to_the_plain_rows():
    assert liability.check_bucket_rows_sum(PLAIN, SPLIT) == []
    assert ids(liability.check_bucket_rows_sum([r("a", "p", None, "12.01"), PLAIN[1]], SPLIT)) == [
        "LIABILITY-BUCKET-ROWS-SUM"
    ]


def test_liability_equals_the_balances_summed_over_participants():
    sums = {("a", "AVAILABLE"): Decimal("9.00"), ("a", "HELD"): Decimal("2.00")}
    assert liability.check_equals_balance_sums(SPLIT, sums) == []
    sums[("a", "DEFERRED")] = Decimal("0.01")
    assert ids(liability.check_equals_balance_sums(SPLIT, sums)) == [
        "LIABILITY-EQUALS-BALANCE-SUMS"
    ]


def test_schedule_total_equals_liability_or_exceeds_it_by_overdrafts():
    row = {"asset_id": "a", "total_outstanding": "11.00"}
    assert liability.check_schedule_agrees(row, SPLIT, overdraft_possible=False) == []
    over = {"asset_id": "a", "total_outstanding": "12.00"}
    assert liability.check_schedule_agrees(over, SPLIT, overdraft_possible=True) == []
    assert ids(liability.check_schedule_agrees(over, SPLIT, overdraft_possible=False)) == [
        "SCHEDULE-AGREES-WITH-LIABILITY"
    ]
    under = {"asset_id": "a", "total_outstanding": "10.00"}
    assert ids(liability.check_schedule_agrees(under, SPLIT, overdraft_possible=True)) == [
        "SCHEDULE-AGREES-WITH-LIABILITY"
    ]
