"""Lots whose expiry passes during the run: the schedule and the liability report are judged
exactly, allowing only for those lots (a prefix of them by expiry has expired when the server
computed its report), never for anything else."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from scrip_conformance.invariants import amounts, liability, schedule, timestamps

FROM = timestamps.parse("2026-07-01T00:00:00Z")
TO = timestamps.parse("2026-07-31T23:59:59Z")
NOW = timestamps.parse("2026-07-10T12:00:00Z")


def lot(lot_id, remaining, expires, status="AVAILABLE"):
    return {
        "id": lot_id,
        "status": status,
        "remaining": remaining,
        "expires_at": None if expires is None else timestamps.format_z(expires),
    }


STABLE = [
    lot("s1", "5.00", None),
    lot("s2", "7.00", NOW + timedelta(days=3)),  # in the window, the July bucket
    lot("s3", "11.00", TO + timedelta(days=30)),  # after the window
    lot("s4", "13.00", NOW + timedelta(days=2), status="DEFERRED"),
]
# expiring during the run: two in the window (one instant shared), one after a window ending now
UNSTABLE = [
    lot("u1", "1.00", NOW + timedelta(seconds=10)),
    lot("u2", "2.00", NOW + timedelta(seconds=20)),
    lot("u3", "4.00", NOW + timedelta(seconds=20), status="HELD"),
    lot("u4", "8.00", NOW + timedelta(seconds=40)),
]
ALL = STABLE + UNSTABLE


def unstable_of(lots):
    return [
        schedule.UnstableLot(timestamps.parse(x["expires_at"]), Decimal(x["remaining"]), x["id"])
        for x in lots
    ]


def server_row(lots, window=(FROM, TO), granularity="day"):
    """The row a correct server computes from ``lots`` (the ones still outstanding)."""
    expected = schedule.recompute(lots, *window, granularity)
    row = {name: amounts.render(getattr(expected, name), 2) for name in schedule.FIGURES}
    row.update(asset_id="a", scale=2, buckets=[])
    for start, (amount, count) in sorted(expected.buckets.items()):
        row["buckets"].append(
            {
                "bucket_start": timestamps.format_z(start),
                "bucket_end": timestamps.format_z(timestamps.next_period(start, granularity)),
                "amount": amounts.render(amount, 2),
                "lot_count": count,
            }
        )
    return row


def judge(row, window=(FROM, TO), granularity="day", walked=ALL, unstable=UNSTABLE):
    expected = schedule.recompute(walked, *window, granularity)
    return schedule.compare_allowing_expiry(
        row, expected, unstable_of(unstable), *window, granularity, 2
    )


@pytest.mark.parametrize("expired", [0, 1, 3, 4])
@pytest.mark.parametrize("window", [(FROM, TO), (FROM, NOW + timedelta(seconds=15))])
@pytest.mark.parametrize("granularity", ["day", "week", "month"])
def test_a_server_computing_at_any_moment_of_the_run_passes(expired, window, granularity):
    row = server_row(STABLE + UNSTABLE[expired:], window, granularity)
    assert judge(row, window, granularity) == []


def test_without_unstable_lots_it_is_the_plain_comparison():
    row = server_row(ALL)
    assert judge(row, unstable=[]) == []
    row["never_expiring"] = "5.01"
    assert [v.contract_id for v in judge(row, unstable=[])] == ["SCHEDULE-RECOMPUTED-FROM-LOTS"]


def test_an_unstable_lot_counted_twice_fails():
    row = server_row(ALL)
    bucket = next(b for b in row["buckets"] if b["bucket_start"].startswith("2026-07-10"))
    bucket["amount"] = amounts.render(Decimal(bucket["amount"]) + 1, 2)
    bucket["lot_count"] += 1
    row["total_outstanding"] = amounts.render(Decimal(row["total_outstanding"]) + 1, 2)
    found = judge(row)
    assert found and {v.contract_id for v in found} == {"SCHEDULE-RECOMPUTED-FROM-LOTS"}
    assert "expiring first as expired" in found[0].expected


def test_a_stable_lot_missing_fails_whatever_expired():
    for expired in range(len(UNSTABLE) + 1):
        assert judge(server_row(STABLE[1:] + UNSTABLE[expired:])) != []  # never_expiring
        assert judge(server_row(STABLE[:3] + UNSTABLE[expired:])) != []  # a DEFERRED lot
    after_window = (FROM, NOW + timedelta(seconds=15))  # s3 is after, in the touched figure
    row = server_row([x for x in ALL if x["id"] != "s3"], after_window)
    assert judge(row, after_window) != []


def test_a_subset_that_is_not_a_prefix_by_expiry_fails():
    assert judge(server_row(STABLE + UNSTABLE[:3])) != []  # the last expired, not the first
    assert judge(server_row(STABLE + [UNSTABLE[0], UNSTABLE[2], UNSTABLE[3]])) != []  # a tie split
    assert judge(server_row(STABLE + UNSTABLE[2:])) != []  # u2 without u3: splits an instant
    assert judge(server_row(STABLE + UNSTABLE[3:])) == []  # both at the instant: a prefix


def test_one_subset_for_every_figure_of_a_response():
    row = server_row(STABLE + UNSTABLE[1:])  # u1 expired in the buckets ...
    row["total_outstanding"] = server_row(ALL)["total_outstanding"]  # ... but not in the total
    row["never_expiring"] = server_row(ALL)["never_expiring"]
    assert judge(row) != []


def test_an_untouched_figure_must_match_exactly():
    row = server_row(STABLE + UNSTABLE[3:])
    row["expiring_after_window"] = "11.01"  # no unstable lot falls after this window
    found = judge(row)
    assert [v.subject for v in found] == ["asset a"] and "expiring_after_window" in found[0].summary


def test_the_prefix_sums_never_split_an_instant_and_the_bound_is_enforced():
    sums = schedule.expiry_prefix_sums(reversed(unstable_of(UNSTABLE)))
    assert sums == [Decimal(0), Decimal("1.00"), Decimal("7.00"), Decimal("15.00")]
    many = [schedule.UnstableLot(NOW, Decimal(1))] * (schedule.MAX_UNSTABLE_LOTS + 1)
    with pytest.raises(ValueError):
        schedule.compare_allowing_expiry(
            server_row(ALL), schedule.recompute(ALL, FROM, TO, "day"), many, FROM, TO, "day", 2
        )


def liability_rows(total):
    return [{"asset_id": "a", "program_id": "p", "bucket": "AVAILABLE", "balance": total}]


@pytest.mark.parametrize(
    ("schedule_total", "liability_total", "agrees"),
    [
        ("40.00", "40.00", True),  # nothing expired between the two reports
        ("40.00", "39.00", True),  # u1 expired in between
        ("39.00", "33.00", True),  # u2 and u3 (one instant) in between
        ("40.00", "25.00", True),  # all of them in between
        ("39.00", "37.00", False),  # u2 alone: splits an instant
        ("40.00", "31.00", False),  # u1 and u4 without u2, u3: not a range
        ("40.00", "41.00", False),  # the liability cannot grow by expiry
        ("40.00", "38.50", False),  # no lot holds 1.50
    ],
)
def test_schedule_and_liability_allow_only_a_range_of_expiries(
    schedule_total, liability_total, agrees
):
    found = liability.check_schedule_agrees(
        {"asset_id": "a", "total_outstanding": schedule_total},
        liability_rows(liability_total),
        overdraft_possible=False,
        expired_sums=schedule.expiry_prefix_sums(unstable_of(UNSTABLE)),
    )
    assert (found == []) is agrees
    if not agrees:
        assert [v.contract_id for v in found] == ["SCHEDULE-AGREES-WITH-LIABILITY"]
        assert "expiring in between" in found[0].expected


def test_schedule_and_liability_without_unstable_lots_must_be_equal():
    row = {"asset_id": "a", "total_outstanding": "40.00"}
    assert (
        liability.check_schedule_agrees(row, liability_rows("40.00"), overdraft_possible=False)
        == []
    )
    assert liability.check_schedule_agrees(row, liability_rows("39.00"), overdraft_possible=False)
