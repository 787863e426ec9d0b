"""Calendar-aligned UTC periods of the expiration schedule (day, ISO week from Monday, month)."""

from __future__ import annotations

from datetime import UTC, datetime

from scrip_conformance.invariants import timestamps


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def period_start(moment: datetime, granularity: str) -> datetime:
    """Start of the calendar period containing ``moment`` (the invariants' alignment rule)."""
    return timestamps.period_start(as_utc(moment), granularity)


def period_end(start: datetime, granularity: str) -> datetime:
    """Start of the period after the one starting at ``start`` (buckets are half-open)."""
    return timestamps.next_period(start, granularity)


def parse_timestamp(text: str) -> datetime:
    """An RFC 3339 timestamp (``Z`` or an offset) as an aware UTC datetime."""
    return as_utc(datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00")))
