"""The expiration schedule the model predicts for one LOT asset (the report's Decisions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from scrip_conformance.model.amounts import format_amount
from scrip_conformance.model.calendar import as_utc, period_end, period_start
from scrip_conformance.model.ledger import LedgerModel


@dataclass(frozen=True)
class ScheduleBucket:
    bucket_start: datetime
    bucket_end: datetime
    amount: Decimal
    lot_count: int


@dataclass(frozen=True)
class Schedule:
    """One asset's row: buckets plus the three out-of-window figures sum to the total."""

    asset_id: str
    scale: int
    buckets: tuple[ScheduleBucket, ...]
    never_expiring: Decimal
    expiring_before_window: Decimal
    expiring_after_window: Decimal
    total_outstanding: Decimal

    def wire_figures(self) -> dict[str, object]:
        """The figures as the API renders them (timestamps left as datetimes)."""
        s = self.scale
        return {
            "buckets": [
                {
                    "bucket_start": b.bucket_start,
                    "bucket_end": b.bucket_end,
                    "amount": format_amount(b.amount, s),
                    "lot_count": b.lot_count,
                }
                for b in self.buckets
            ],
            "never_expiring": format_amount(self.never_expiring, s),
            "expiring_before_window": format_amount(self.expiring_before_window, s),
            "expiring_after_window": format_amount(self.expiring_after_window, s),
            "total_outstanding": format_amount(self.total_outstanding, s),
        }


def expiration_schedule(
    model: LedgerModel,
    asset_id: str,
    window_from: datetime,
    window_to: datetime,
    now: datetime,
    granularity: str = "month",
    program_id: str | None = None,
) -> Schedule:
    """Classify every outstanding lot: before, inside (inclusive bounds), after, never."""
    lo, hi = as_utc(window_from), as_utc(window_to)
    zero = Decimal(0)
    never = before = after = total = zero
    buckets: dict[datetime, list] = {}
    for lot in model.outstanding_lots(asset_id, now, program_id):
        total += lot.remaining
        if lot.expires_at is None:
            never += lot.remaining
        elif lot.expires_at < lo:
            before += lot.remaining
        elif lot.expires_at > hi:
            after += lot.remaining
        else:
            start = period_start(lot.expires_at, granularity)
            entry = buckets.setdefault(start, [zero, 0])
            entry[0] += lot.remaining
            entry[1] += 1
    rows = tuple(
        ScheduleBucket(start, period_end(start, granularity), amount, count)
        for start, (amount, count) in sorted(buckets.items())
    )
    return Schedule(asset_id, model.scale(asset_id), rows, never, before, after, total)
