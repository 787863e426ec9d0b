"""Expiration schedule invariants on the seed example and on lots recomputed by hand."""

from __future__ import annotations

import copy
import random
from datetime import timedelta

import pytest

from scrip_conformance.invariants import schedule, timestamps

FROM = timestamps.parse("2026-07-01T00:00:00Z")
TO = timestamps.parse("2026-07-31T23:59:59Z")
SEED_ROW = {
    "asset_id": "550e8400-e29b-41d4-a716-446655440000", "asset_name": "Loyalty Points",
    "asset_symbol": "POINTS",
    "buckets": [{"amount": "850.00", "bucket_end": "2026-08-01T00:00:00Z",
                 "bucket_start": "2026-07-01T00:00:00Z", "lot_count": 12}],
    "expiring_after_window": "350.00", "expiring_before_window": "0.00",
    "never_expiring": "250.00", "scale": 2, "total_outstanding": "1450.00",
}  # fmt: skip


def ids(found):
    return sorted({v.contract_id for v in found})


def row(**changes):
    copied = copy.deepcopy(SEED_ROW)
    copied.update(changes)
    return copied


def check(r, granularity="month", window=(FROM, TO)):
    return schedule.check_row(
        r, window_from=window[0], window_to=window[1], granularity=granularity, asset_scale=2
    )


def test_the_seed_example_keeps_every_contract():
    assert check(row()) == []


@pytest.mark.parametrize(
    ("changes", "contract"),
    [
        ({"total_outstanding": "1450.01"}, "SCHEDULE-SUMS-EXACTLY"),
        ({"never_expiring": "250.0"}, "SCHEDULE-AMOUNTS-AT-SCALE"),
        ({"scale": 0}, "SCHEDULE-AMOUNTS-AT-SCALE"),
        (
            {"buckets": [{"amount": "850.00", "bucket_start": "2026-07-02T00:00:00Z",
                          "bucket_end": "2026-08-01T00:00:00Z", "lot_count": 12}]},
            "SCHEDULE-BUCKETS-CALENDAR-ALIGNED",
        ),
        (
            {"buckets": [{"amount": "850.00", "bucket_start": "2026-09-01T00:00:00Z",
                          "bucket_end": "2026-10-01T00:00:00Z", "lot_count": 12}]},
            "SCHEDULE-BUCKETS-WITHIN-WINDOW",
        ),
        (
            {"buckets": [{"amount": "0.05", "bucket_start": "2026-07-01T00:00:00Z",
                          "bucket_end": "2026-08-01T00:00:00Z", "lot_count": 12}],
             "total_outstanding": "600.05"},
            "SCHEDULE-LOT-COUNT-CONSISTENT",
        ),
    ],
)  # fmt: skip
def test_a_broken_row_names_its_contract(changes, contract):
    assert ids(check(row(**changes))) == [contract]


def test_buckets_must_be_sorted_and_disjoint():
    july = {
        "amount": "1.00",
        "bucket_start": "2026-07-01T00:00:00Z",
        "bucket_end": "2026-07-02T00:00:00Z",
        "lot_count": 1,
    }
    later = dict(july, bucket_start="2026-07-03T00:00:00Z", bucket_end="2026-07-04T00:00:00Z")
    r = row(buckets=[later, july], total_outstanding="602.00")
    assert ids(check(r, "day")) == ["SCHEDULE-BUCKETS-SORTED-DISJOINT"]
    assert check(row(buckets=[july, later], total_outstanding="602.00"), "day") == []


def test_iso_weeks_start_on_monday_at_midnight_utc():
    monday = {
        "amount": "1.00",
        "bucket_start": "2026-06-29T00:00:00Z",
        "bucket_end": "2026-07-06T00:00:00Z",
        "lot_count": 1,
    }
    sunday = dict(monday, bucket_start="2026-06-28T00:00:00Z", bucket_end="2026-07-05T00:00:00Z")
    assert check(row(buckets=[monday], total_outstanding="601.00"), "week") == []
    assert ids(check(row(buckets=[sunday], total_outstanding="601.00"), "week")) == [
        "SCHEDULE-BUCKETS-CALENDAR-ALIGNED"
    ]


LOTS = [
    {"status": "AVAILABLE", "remaining": "10.00", "expires_at": "2026-06-30T23:59:59Z"},
    {"status": "HELD", "remaining": "5.00", "expires_at": "2026-07-01T00:00:00Z"},
    {"status": "DEFERRED", "remaining": "2.00", "expires_at": "2026-07-31T23:59:59Z"},
    {"status": "AVAILABLE", "remaining": "1.00", "expires_at": "2026-08-01T00:00:00Z"},
    {"status": "AVAILABLE", "remaining": "3.00", "expires_at": None},
    {"status": "CONSUMED", "remaining": "0.00", "expires_at": "2026-07-05T00:00:00Z"},
    {"status": "AVAILABLE", "remaining": "0.00", "expires_at": "2026-07-05T00:00:00Z"},
]


def schedule_of(granularity):
    """What a correct server answers for LOTS over [FROM, TO]."""
    expected = schedule.recompute(LOTS, FROM, TO, granularity)
    buckets = [
        {"bucket_start": timestamps.format_z(start),
         "bucket_end": timestamps.format_z(timestamps.next_period(start, granularity)),
         "amount": f"{amount:.2f}", "lot_count": count}
        for start, (amount, count) in sorted(expected.buckets.items())
    ]  # fmt: skip
    return row(
        buckets=buckets, never_expiring=f"{expected.never_expiring:.2f}",
        expiring_before_window=f"{expected.expiring_before_window:.2f}",
        expiring_after_window=f"{expected.expiring_after_window:.2f}",
        total_outstanding=f"{expected.total_outstanding:.2f}",
    )  # fmt: skip


def test_recomputation_classifies_the_window_edges_inclusively():
    expected = schedule.recompute(LOTS, FROM, TO, "month")
    assert str(expected.expiring_before_window) == "10.00"
    assert str(expected.expiring_after_window) == "1.00"
    assert str(expected.never_expiring) == "3.00"
    assert {k: (str(a), c) for k, (a, c) in expected.buckets.items()} == {FROM: ("7.00", 2)}


def test_a_row_that_matches_the_lots_passes_and_one_unit_off_fails():
    correct = schedule_of("month")
    assert check(correct) == []
    assert (
        schedule.compare_to_expected(correct, schedule.recompute(LOTS, FROM, TO, "month"), 2) == []
    )
    wrong = copy.deepcopy(correct)
    wrong["buckets"][0]["amount"] = "7.01"
    wrong["total_outstanding"] = "21.01"
    found = schedule.compare_to_expected(wrong, schedule.recompute(LOTS, FROM, TO, "month"), 2)
    assert ids(found) == ["SCHEDULE-RECOMPUTED-FROM-LOTS"] and len(found) == 2


def test_day_buckets_summed_equal_week_and_month_buckets():
    day, week, month = (schedule_of(g) for g in ("day", "week", "month"))
    assert schedule.check_granularities_agree(day, week, "week") == []
    assert schedule.check_granularities_agree(day, month, "month") == []
    shifted = copy.deepcopy(week)
    shifted["expiring_before_window"] = "9.00"
    shifted["buckets"][0]["amount"] = "6.00"
    assert ids(schedule.check_granularities_agree(day, shifted, "week")) == [
        "SCHEDULE-GRANULARITIES-AGREE",
        "SCHEDULE-WINDOW-FIGURES-AGREE",
    ]


def test_totals_do_not_depend_on_the_window():
    a, b = schedule_of("day"), schedule_of("month")
    assert schedule.check_totals_invariant([("day", a), ("month", b)]) == []
    b["total_outstanding"] = "21.01"
    assert ids(schedule.check_totals_invariant([("day", a), ("month", b)])) == [
        "SCHEDULE-TOTAL-INVARIANT"
    ]


def test_a_lot_on_the_edge_must_be_inside_the_window():
    edge = timestamps.parse("2026-07-01T00:00:00Z")
    inside = schedule_of("day")
    assert schedule.check_edge_inclusive(inside, edge, LOTS, "day") == []
    outside = row(buckets=[], expiring_before_window="15.00", total_outstanding="15.00")
    assert ids(schedule.check_edge_inclusive(outside, edge, LOTS, "day")) == [
        "SCHEDULE-WINDOW-EDGE-INCLUSIVE"
    ]


def test_a_filter_never_raises_a_figure():
    full = schedule_of("month")
    assert schedule.check_restricted(full, full, "asset_id=x", equal=True) == []
    smaller = dict(full, never_expiring="0.00")
    assert schedule.check_restricted(full, smaller, "program_id=p", equal=False) == []
    assert ids(schedule.check_restricted(full, smaller, "program_id=p", equal=True)) == [
        "SCHEDULE-FILTERS-RESTRICT"
    ]
    bigger = dict(full, never_expiring="4.00")
    assert ids(schedule.check_restricted(full, bigger, "program_id=p", equal=False)) == [
        "SCHEDULE-FILTERS-RESTRICT"
    ]


def _random_lots(generator, count, around):
    statuses = ("AVAILABLE", "HELD", "DEFERRED", "CONSUMED", "EXPIRED")
    made = []
    for _ in range(count):
        expires = None
        if generator.random() > 0.1:
            expires = timestamps.format_z(
                around
                + timedelta(days=generator.randint(-90, 90), seconds=generator.randint(0, 86399))
            )
        made.append(
            {"status": generator.choice(statuses), "expires_at": expires,
             "remaining": f"{generator.randint(0, 500)}.{generator.randint(0, 99):02d}"}
        )  # fmt: skip
    return made


def test_the_streamed_fold_recomputes_exactly_what_the_lots_give():
    """Folding lots one by one (day histogram, exact instants on the bounds' days) gives the
    same schedule as recomputing from every lot, for each window given and each granularity."""
    generator = random.Random(5)
    windows = [(FROM, TO), (FROM + timedelta(hours=7, seconds=3), TO + timedelta(days=40))]
    lots = _random_lots(generator, 400, FROM)
    lots += [{"status": "AVAILABLE", "remaining": "1.00", "expires_at": timestamps.format_z(w)}
             for window in windows for w in window]  # fmt: skip
    fold = schedule.ExpiryFold([b for window in windows for b in window])
    for lot in lots:
        fold.add(lot)
    for window_from, window_to in windows:
        for granularity in timestamps.GRANULARITIES:
            assert fold.expected(window_from, window_to, granularity) == schedule.recompute(
                lots, window_from, window_to, granularity
            )


def test_the_fold_refuses_a_window_whose_bounds_it_was_not_given():
    fold = schedule.ExpiryFold([FROM, TO])
    with pytest.raises(ValueError):
        fold.expected(FROM + timedelta(days=2), TO, "day")
