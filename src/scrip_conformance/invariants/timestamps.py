"""RFC 3339 timestamps on the wire (D-TIME) and the calendar periods of the schedule."""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, timedelta

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_UTC_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")


def parse(text: object) -> datetime | None:
    """An aware datetime for an RFC 3339 string, or None when it is not one."""
    if not isinstance(text, str):
        return None
    return _parse(text)


@functools.lru_cache(maxsize=8192)  # a page's timestamps are read by several checks in a row
def _parse(text: str) -> datetime | None:
    if not _RFC3339.match(text):
        return None
    try:
        value = datetime.fromisoformat(text.replace("z", "Z").replace("t", "T"))
    except ValueError:
        return None
    return value.astimezone(UTC)


def is_utc_z(text: object) -> bool:
    """True when ``text`` is a response timestamp as D-TIME wants it: UTC, ``Z``, <= 6 digits."""
    return isinstance(text, str) and bool(_UTC_Z.match(text)) and parse(text) is not None


def format_z(moment: datetime) -> str:
    """``moment`` in UTC with ``Z`` and microseconds only when needed."""
    moment = moment.astimezone(UTC)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


GRANULARITIES = ("day", "week", "month")


def whole_second_ceiling(moment: datetime) -> datetime:
    """``moment`` rounded up to a whole second: what the suite sends when a contract is not about
    precision, so a server storing milliseconds or whole seconds echoes the same instant
    (D-TIME)."""
    whole = moment.replace(microsecond=0)
    return whole if whole == moment else whole + timedelta(seconds=1)


def period_start(moment: datetime, granularity: str) -> datetime:
    """Start of the UTC calendar period containing ``moment`` (ISO weeks start on Monday)."""
    moment = moment.astimezone(UTC)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if granularity == "day":
        return day
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    raise ValueError(f"unknown granularity {granularity!r}")


def next_period(start: datetime, granularity: str) -> datetime:
    """Start of the period after the one starting at ``start``."""
    if granularity == "day":
        return start + timedelta(days=1)
    if granularity == "week":
        return start + timedelta(days=7)
    if granularity == "month":
        if start.month == 12:
            return start.replace(year=start.year + 1, month=1)
        return start.replace(month=start.month + 1)
    raise ValueError(f"unknown granularity {granularity!r}")
