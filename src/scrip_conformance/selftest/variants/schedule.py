"""The expiration schedule: bucket sums, window edges and sides, calendar alignment, and which
lots count as outstanding."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta

from scrip_conformance.reference.ledger import Ledger
from scrip_conformance.selftest.variants.base import variant
from scrip_conformance.selftest.variants.probe import Probe, stamp


def _window(p: Probe, start: timedelta, end: timedelta, **query: str) -> dict:
    return p.schedule(**{"from": stamp(start), "to": stamp(end), **query})


# ---------------------------------------------------------------------------- bucket sums
def _bucket_short(p: Probe) -> bool:
    p.credit("0.29", expires_at=stamp(timedelta(days=10)))
    row = _window(p, timedelta(days=-1), timedelta(days=30), granularity="month")
    return [b["amount"] for b in row["buckets"]] != ["0.29"]


@variant(
    "schedule-bucket-float-sum",
    family="schedule",
    contracts=("SCHEDULE-SUMS-EXACTLY", "SCHEDULE-RECOMPUTED-FROM-LOTS"),
    symptom=_bucket_short,
)
class ScheduleBucketFloatSum(Ledger):
    """Bucket amounts are summed in major units as floats and truncated back to the scale, so a
    bucket comes out one minor unit short (0.29 shows as 0.28) while total_outstanding, summed
    exactly, does not."""

    def schedule_row(self, conn, asset, start, end, granularity, program_id):
        row = super().schedule_row(conn, asset, start, end, granularity, program_id)
        scale = row["scale"]
        for bucket in row["buckets"]:
            lossy = int(float(bucket["amount"]) * 10**scale)
            bucket["amount"] = self.format_amount(lossy, scale)
        return row


# ---------------------------------------------------------------------------- the window
def _to_edge_outside(p: Probe) -> bool:
    edge = stamp(timedelta(days=5))
    p.credit("5.00", expires_at=edge)
    row = p.schedule(**{"from": stamp(timedelta(days=-1)), "to": edge, "granularity": "month"})
    return row["expiring_after_window"] != "0.00"


@variant(
    "to-edge-exclusive",
    family="schedule",
    contracts=("SCHEDULE-WINDOW-EDGE-INCLUSIVE", "EXT-SCHEDULE-WINDOW-EDGE-INSIDE"),
    symptom=_to_edge_outside,
)
class ToEdgeExclusive(Ledger):
    """The window is treated as half-open [from, to): a lot expiring exactly at ``to`` is
    counted in expiring_after_window instead of its bucket."""

    def expires_after_window(self):
        return "expires_at >= :to"

    def expires_inside_window(self):
        return "expires_at >= :from AND expires_at < :to"


def _sides_swapped(p: Probe) -> bool:
    p.credit("5.00", expires_at=stamp(timedelta(days=10)))
    row = _window(p, timedelta(days=1), timedelta(days=2))
    return row["expiring_after_window"] != "5.00"


@variant(
    "window-sides-swapped",
    family="schedule",
    contracts=("SCHEDULE-RECOMPUTED-FROM-LOTS", "PROV-SCHEDULE-MATCHES-MODEL"),
    symptom=_sides_swapped,
)
class WindowSidesSwapped(Ledger):
    """Lots expiring before the window are reported in expiring_after_window and the other way
    round (the two labels of the classification are swapped)."""

    def window_conditions(self):
        conditions = super().window_conditions()
        return {**conditions, "B": conditions["A"], "A": conditions["B"]}


def _bucket_outside(p: Probe) -> bool:
    p.credit("5.00", expires_at=stamp(timedelta(days=100)))
    return bool(_window(p, timedelta(days=1), timedelta(days=2))["buckets"])


@variant(
    "buckets-outside-window",
    family="schedule",
    contracts=("SCHEDULE-BUCKETS-WITHIN-WINDOW",),
    symptom=_bucket_outside,
)
class BucketsOutsideWindow(Ledger):
    """Every expiring lot goes into a calendar bucket whatever the window: lots expiring before
    or after [from, to] get buckets outside it instead of the two out-of-window figures."""

    def schedule_row(self, conn, asset, start, end, granularity, program_id):
        row = super().schedule_row(conn, asset, start, end, granularity, program_id)
        scope = f"asset_id = :asset AND {self.outstanding_condition()}"
        params = {
            "asset": asset["id"],
            "now": self.format_time(self.now()),
            "from": self.format_time(start),
            "to": self.format_time(end),
        }
        if program_id:
            scope += " AND program_id = :program"
            params["program"] = program_id
        extra: dict[datetime, list[int]] = {}
        outside = f"({self.window_conditions()['B']}) OR ({self.window_conditions()['A']})"
        for lot in conn.execute(
            f"SELECT expires_at, remaining FROM lots WHERE {scope} AND ({outside})", params
        ):
            period = self.period_start(self.parse_time(lot[0], "expires_at"), granularity)
            figures = extra.setdefault(period, [0, 0])
            figures[0] += lot[1]
            figures[1] += 1
        for period, (amount, count) in extra.items():
            row["buckets"].append(
                {
                    "bucket_start": self.format_time(period),
                    "bucket_end": self.format_time(self.period_end(period, granularity)),
                    "amount": self.format_amount(amount, row["scale"]),
                    "lot_count": count,
                }
            )
        row["buckets"].sort(key=lambda b: b["bucket_start"])
        zero = self.format_amount(0, row["scale"])
        row["expiring_before_window"] = row["expiring_after_window"] = zero
        return row


# ---------------------------------------------------------------------------- calendar
def _week_from_sunday(p: Probe) -> bool:
    p.credit("5.00", expires_at=stamp(timedelta(days=10)))
    row = _window(p, timedelta(days=-1), timedelta(days=30), granularity="week")
    starts = [
        datetime.fromisoformat(b["bucket_start"].replace("Z", "+00:00")) for b in row["buckets"]
    ]
    return any(s.weekday() != 0 for s in starts)


@variant(
    "iso-week-from-sunday",
    family="schedule",
    contracts=("SCHEDULE-BUCKETS-CALENDAR-ALIGNED", "SCHEDULE-GRANULARITIES-AGREE"),
    symptom=_week_from_sunday,
)
class IsoWeekFromSunday(Ledger):
    """Week buckets start on Sunday (the US convention of ``(weekday + 1) % 7``) instead of the
    ISO Monday."""

    def period_start(self, moment, granularity):
        if granularity == "week":
            day = super().period_start(moment, "day")
            return day - timedelta(days=(day.weekday() + 1) % 7)
        return super().period_start(moment, granularity)


def _long_month(p: Probe) -> bool:
    today = datetime.now(UTC)
    year, month = today.year, today.month
    while True:
        month = month % 12 + 1
        year += month == 1
        if calendar.monthrange(year, month)[1] == 31:
            break
    expiry = datetime(year, month, 15, tzinfo=UTC)
    p.credit("5.00", expires_at=expiry.strftime("%Y-%m-%dT%H:%M:%SZ"))
    row = p.schedule(
        **{
            "from": stamp(timedelta(days=-1)),
            "to": stamp(timedelta(days=400)),
            "granularity": "month",
        }
    )
    nxt = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
    return [b["bucket_end"][:10] for b in row["buckets"]] != [nxt.strftime("%Y-%m-%d")]


@variant(
    "month-of-thirty-days",
    family="schedule",
    contracts=("SCHEDULE-BUCKETS-CALENDAR-ALIGNED",),
    symptom=_long_month,
)
class MonthOfThirtyDays(Ledger):
    """A month bucket ends 30 days after its start (``timedelta(days=30)``), so month-end is
    wrong for every month but April, June, September and November."""

    def period_end(self, start, granularity):
        if granularity == "month":
            return start + timedelta(days=30)
        return super().period_end(start, granularity)


# ---------------------------------------------------------------------------- outstanding lots
def _total(p: Probe) -> str:
    return _window(p, timedelta(days=-1), timedelta(days=30))["total_outstanding"]


def _held_missing(p: Probe) -> bool:
    p.credit("5.00", bucket="HELD", expires_at=stamp(timedelta(days=5)))
    return _total(p) != "5.00"


@variant(
    "schedule-leaves-out-held",
    family="schedule",
    contracts=(
        "SCHEDULE-RECOMPUTED-FROM-LOTS",
        "SCHEDULE-AGREES-WITH-LIABILITY",
        "PROV-SCHEDULE-MATCHES-MODEL",
    ),
    symptom=_held_missing,
)
class ScheduleLeavesOutHeld(Ledger):
    """The schedule counts only AVAILABLE lots: value on hold, which still expires, is left out
    of the buckets and of total_outstanding."""

    def outstanding_condition(self):
        return super().outstanding_condition() + " AND state = 'AVAILABLE'"


def _deferred_missing(p: Probe) -> bool:
    p.credit("5.00", matures_at=stamp(timedelta(days=2)), expires_at=stamp(timedelta(days=5)))
    return _total(p) != "5.00"


@variant(
    "schedule-leaves-out-deferred",
    family="schedule",
    contracts=(
        "SCHEDULE-RECOMPUTED-FROM-LOTS",
        "SCHEDULE-AGREES-WITH-LIABILITY",
        "PROV-SCHEDULE-MATCHES-MODEL",
    ),
    symptom=_deferred_missing,
)
class ScheduleLeavesOutDeferred(Ledger):
    """The schedule counts only matured lots: DEFERRED value, which is outstanding and will
    expire, is left out of the buckets and of total_outstanding."""

    def outstanding_condition(self):
        return super().outstanding_condition() + " AND (matures_at IS NULL OR matures_at <= :now)"


def _expired_counted(p: Probe) -> bool:
    p.credit("5.00", expires_at=stamp(timedelta(hours=-1)))
    return _total(p) != "0.00"


@variant(
    "schedule-counts-expired",
    family="schedule",
    contracts=(
        "SCHEDULE-RECOMPUTED-FROM-LOTS",
        "SCHEDULE-AGREES-WITH-LIABILITY",
        "EXT-EXPIRY-FOLLOWS-CLOCK",
    ),
    symptom=_expired_counted,
)
class ScheduleCountsExpired(Ledger):
    """The schedule selects lots by stored state and remaining, without the expiry test, so
    lots that already expired still count as outstanding."""

    def outstanding_condition(self):
        return "state != 'CONSUMED' AND remaining > 0"
