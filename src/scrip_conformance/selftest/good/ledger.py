"""Known-good variants that keep what the spec leaves to the server's own choices: the cursor's
encoding, the id scheme, the precision of timestamps, a clock a little ahead."""

from __future__ import annotations

import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from scrip_conformance.reference.errors import ApiError
from scrip_conformance.reference.ledger import Ledger
from scrip_conformance.selftest.good.base import Answer, Reshape, good_variant, map_strings
from scrip_conformance.selftest.good.probe import GoodProbe

_STORED = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{6})Z$")
_ANY_STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


# ---------------------------------------------------------------------------- cursors
def _cursor_opaque(p: GoodProbe) -> bool:
    p.credit("1.00")
    p.credit("2.00")
    path = f"/v1/participants/{p.participant}/balances/lots"
    cursor = p.get(path, {"asset_id": p.asset, "limit": 1}).json()["pagination"]["next_cursor"]
    return isinstance(cursor, str) and cursor.startswith("pg_")


class ServerSideCursors(Ledger):
    """Cursors are random tokens (``pg_`` and 32 hex digits) naming a keyset position kept on
    the server, not an encoding of the position: opaque in the strongest sense."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cursors: dict[str, tuple[str, str, list[Any]]] = {}
        self._cursor_lock = threading.Lock()

    def encode_cursor(self, list_name, org, filters, position):
        token = "pg_" + secrets.token_hex(16)
        with self._cursor_lock:
            self._cursors[token] = (
                list_name,
                self.filters_digest(list_name, org, filters),
                list(position),
            )
        return token

    def decode_cursor(self, token, list_name, org, filters, arity, kinds=None):
        if token is None:
            return None
        with self._cursor_lock:
            found = self._cursors.get(token)
        if (
            found is None
            or found[0] != list_name
            or found[1] != self.filters_digest(list_name, org, filters)
            or len(found[2]) != arity
        ):
            raise ApiError(400, "invalid_cursor", "unknown or foreign cursor")
        return list(found[2])


good_variant("opaque-cursor-tokens", freedom="spec", differs=_cursor_opaque)(ServerSideCursors)


# ---------------------------------------------------------------------------- ids
def uuid7() -> str:
    """A version 7 UUID (RFC 9562): 48 bits of Unix milliseconds, then random bits."""
    millis = time.time_ns() // 1_000_000
    value = (millis & ((1 << 48) - 1)) << 80 | secrets.randbits(80)
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return str(uuid.UUID(int=value))


def _v7(p: GoodProbe) -> bool:
    return uuid.UUID(p.program).version == 7


class Uuid7Ids(Ledger):
    """New resources get time-ordered version 7 UUIDs (RFC 9562) instead of random version 4
    ones: any UUID is an id the spec allows."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.id_source = uuid7


good_variant("uuid7-ids", freedom="spec", differs=_v7)(Uuid7Ids)


# ---------------------------------------------------------------------------- timestamps
def _trimmed(value: str) -> str:
    match = _STORED.match(value)
    if not match:
        return value
    fraction = match.group(2).rstrip("0")
    return f"{match.group(1)}.{fraction}Z" if fraction else f"{match.group(1)}Z"


def _whole_and_fractional(p: GoodProbe) -> bool:
    stamp = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    p.credit("1.00", expires_at=stamp.strftime("%Y-%m-%dT%H:%M:%SZ"))
    lot = p.lots()[0]
    return lot["expires_at"] == stamp.strftime("%Y-%m-%dT%H:%M:%SZ") and bool(
        _ANY_STAMP.match(lot["created_at"])
    )


@good_variant("timestamps-trimmed", freedom="spec", differs=_whole_and_fractional)
class TrimmedTimestamps(Reshape):
    """Timestamps are written as Go's RFC3339Nano does: trailing zeros of the fraction are
    dropped, and a whole second has no fraction at all (so one answer mixes both forms)."""

    def reshape(self, answer: Answer) -> None:
        if answer.body is not None:
            answer.body = map_strings(answer.body, _trimmed)


class PrecisionLedger(Ledger):
    """A ledger that keeps time at ``STEP`` precision: its clock, the lots and entities it
    stamps, and the expiry and maturity it is given (cut down to ``STEP``). The stored form
    stays the reference's, so filters and bounds compare exactly."""

    STEP = timedelta(microseconds=1)

    def cut(self, value: datetime) -> datetime:
        step = self.STEP // timedelta(microseconds=1)
        micros = value.microsecond - value.microsecond % step if step < 1_000_000 else 0
        return value.replace(microsecond=micros)

    def now(self) -> datetime:
        return self.cut(super().now())

    def entity_timestamp(self) -> str:
        now = self.now()
        if self._last_entity_ts is not None and now <= self._last_entity_ts:
            now = self._last_entity_ts + self.STEP
        self._last_entity_ts = now
        return self.format_time(now)

    def lot_timestamp(self, conn, participant_id, asset_id):
        now = self.now()
        row = conn.execute(
            "SELECT max(created_at) FROM lots WHERE participant_id = ? AND asset_id = ?",
            (participant_id, asset_id),
        ).fetchone()
        if row[0] is not None:
            last = self.parse_time(row[0], "created_at")
            if now <= last:
                now = last + self.STEP
        return self.format_time(now)

    def adjust(self, org, participant_id, body):
        body = dict(body)
        for name in ("expires_at", "matures_at"):
            if isinstance(body.get(name), str):
                try:
                    body[name] = self.format_time(self.cut(self.parse_time(body[name], name)))
                except ApiError:
                    pass  # left as given: super() answers the 400
        return super().adjust(org, participant_id, body)


class Milliseconds(PrecisionLedger):
    STEP = timedelta(milliseconds=1)


class WholeSeconds(PrecisionLedger):
    STEP = timedelta(seconds=1)


def _at_precision(digits: int) -> Callable[[str], str]:
    def render(value: str) -> str:
        match = _STORED.match(value)
        if not match:
            return value
        fraction = match.group(2)
        if fraction[digits:].strip("0"):  # finer than the variant keeps: leave it exact
            return value
        return f"{match.group(1)}.{fraction[:digits]}Z" if digits else f"{match.group(1)}Z"

    return render


def _precision_shown(digits: int) -> Callable[[GoodProbe], bool]:
    pattern = re.compile(
        r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d" + (rf"\.\d{{{digits}}}" if digits else "") + "Z$"
    )

    def differs(p: GoodProbe) -> bool:
        p.credit("1.00", expires_at=(datetime.now(UTC) + timedelta(days=3)).isoformat())
        lot = p.lots()[0]
        return all(pattern.match(lot[k]) for k in ("created_at", "expires_at"))

    return differs


@good_variant(
    "timestamps-milliseconds", freedom="spec", ledger=Milliseconds, differs=_precision_shown(3)
)
class MillisecondTimestamps(Reshape):
    """Time is kept and written at millisecond precision (``…:05.123Z``), as a server on a
    millisecond clock or database column does; expiries it is given are cut to milliseconds."""

    def reshape(self, answer: Answer) -> None:
        if answer.body is not None:
            answer.body = map_strings(answer.body, _at_precision(3))


@good_variant(
    "timestamps-whole-seconds", freedom="spec", ledger=WholeSeconds, differs=_precision_shown(0)
)
class WholeSecondTimestamps(Reshape):
    """Time is kept and written in whole seconds, without fractional seconds (``…:05Z``, which
    D-TIME allows); later lots of a participant and asset are a second apart at least."""

    def reshape(self, answer: Answer) -> None:
        if answer.body is not None:
            answer.body = map_strings(answer.body, _at_precision(0))


# ---------------------------------------------------------------------------- clock
AHEAD = timedelta(seconds=2)


def _ahead(p: GoodProbe) -> bool:
    created = p.post("/v1/programs", {"name": "clock"}).json()["created_at"]
    moment = datetime.fromisoformat(created.replace("Z", "+00:00"))
    return moment - datetime.now(UTC) > timedelta(seconds=1)


class ClockAhead(Ledger):
    """The server's clock runs two seconds ahead of the client's (NTP drift), inside the
    suite's default clock-skew tolerance of five seconds."""

    def now(self) -> datetime:
        return super().now() + AHEAD


good_variant("clock-two-seconds-ahead", freedom="spec", differs=_ahead)(ClockAhead)
