"""The ledger's foundation: its store, keys, clock and ids; the wire text of times and amounts;
and the read and write transactions every operation runs in.

The other modules of the reference build on :class:`LedgerBase` one layer at a time (see the
package docstring); :class:`~scrip_conformance.reference.ledger.Ledger` is the top layer.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from scrip_conformance.reference.errors import ApiError, validation
from scrip_conformance.reference.store import Store

_AMOUNT = re.compile(r"^[0-9]+(\.[0-9]+)?$")
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_SPLIT = 1_000_000_000  # sums are taken as SUM(x / _SPLIT), SUM(x % _SPLIT): exact, no overflow
ONE_MICRO = timedelta(microseconds=1)


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


def exact_sum(hi: int | None, lo: int | None) -> int:
    """Recombine a split SQL sum (see ``_SPLIT``)."""
    return (hi or 0) * _SPLIT + (lo or 0)


class LedgerBase:
    """State, auth, time and amount text, transactions: what every other layer uses."""

    MAX_MINOR = 9 * 10**18  # one amount in minor units must fit SQLite's signed 64-bit integer
    DEFAULT_LIMIT = 50

    def __init__(
        self,
        store: Store,
        api_keys: Mapping[str, str],
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self.api_keys = dict(api_keys)
        self.clock = clock or utc_now
        self._last_entity_ts: datetime | None = None
        self.id_source: Callable[[], str] = new_id
        # liability sums of recent (org, as_of, filters, data version): the pages after the
        # first carry the first page's as_of, so paging the report aggregates the journal once
        self._liability_sums: dict[tuple, tuple[tuple[int, int], dict]] = {}

    def new_id(self) -> str:
        """A fresh UUID (the demo loader swaps in a seeded source)."""
        return self.id_source()

    def authenticate(self, x_api_key: str | None, authorization: str | None) -> str | None:
        """The organization of the request's key(s); None means 401 (D-AUTH)."""
        keys = []
        if x_api_key is not None:
            keys.append(x_api_key)
        if authorization is not None:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return None
            keys.append(token.strip())
        if not keys:
            return None
        orgs = {self.org_for_key(key) for key in keys}
        if None in orgs or len(orgs) != 1:
            return None
        return orgs.pop()

    def org_for_key(self, key: str) -> str | None:
        if not key:
            return None
        return self.api_keys.get(key)

    def now(self) -> datetime:
        now = self.clock()
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        return now.astimezone(UTC)

    def parse_time(self, text: str, field: str) -> datetime:
        """An RFC 3339 timestamp with any offset, as an aware UTC datetime (D-TIME)."""
        if not isinstance(text, str) or not _RFC3339.match(text):
            raise validation(f"{field} must be an RFC 3339 timestamp")
        try:
            value = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
            return value.astimezone(UTC)
        except (ValueError, OverflowError) as exc:
            raise validation(f"{field} must be an RFC 3339 timestamp") from exc

    def format_time(self, value: datetime) -> str:
        """Fixed-width UTC text: the stored form and the wire form."""
        v = value.astimezone(UTC)
        return (
            f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}"
            f".{v.microsecond:06d}Z"
        )

    def stored_time(self, text: str, field: str) -> str:
        return self.format_time(self.parse_time(text, field))

    def entity_timestamp(self) -> str:
        """created_at of programs, assets and participants: strictly increasing in the process."""
        now = self.now()
        if self._last_entity_ts is not None and now <= self._last_entity_ts:
            now = self._last_entity_ts + ONE_MICRO
        self._last_entity_ts = now
        return self.format_time(now)

    def lot_timestamp(self, conn: sqlite3.Connection, participant_id: str, asset_id: str) -> str:
        """created_at of a new lot: strictly later than every lot of the participant+asset."""
        now = self.now()
        row = conn.execute(
            "SELECT max(created_at) FROM lots WHERE participant_id = ? AND asset_id = ?",
            (participant_id, asset_id),
        ).fetchone()
        if row[0] is not None:
            last = self.parse_time(row[0], "created_at")
            if now <= last:
                now = last + ONE_MICRO
        return self.format_time(now)

    def parse_amount(self, text: Any, scale: int, field: str = "amount") -> int:
        """A request amount in minor units (D-AMOUNT-IN): > 0, at most ``scale`` digits."""
        if not isinstance(text, str) or not _AMOUNT.match(text):
            raise validation(f"{field} must be a positive decimal string")
        whole, _, fraction = text.partition(".")
        if len(fraction) > scale:
            raise ApiError(400, "invalid_scale", f"{field} has more than {scale} decimal places")
        minor = int(whole + fraction.ljust(scale, "0"))
        if minor <= 0:
            raise validation(f"{field} must be greater than zero")
        if minor > self.MAX_MINOR:
            raise validation(f"{field} is too large")
        return minor

    def check_amount_syntax(self, text: Any, field: str = "amount") -> None:
        """D-AMOUNT-IN checks that need no asset: syntax and a value above zero."""
        if not isinstance(text, str) or not _AMOUNT.match(text):
            raise validation(f"{field} must be a positive decimal string")
        if not text.replace(".", "").strip("0"):
            raise validation(f"{field} must be greater than zero")

    def format_amount(self, minor: int, scale: int) -> str:
        """A decimal string with exactly ``scale`` fraction digits (D-AMOUNT-OUT)."""
        sign = "-" if minor < 0 else ""
        digits = str(abs(minor)).rjust(scale + 1, "0")
        if scale == 0:
            return sign + digits
        return f"{sign}{digits[:-scale]}.{digits[-scale:]}"

    @contextlib.contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        with self.store.lock:
            yield self.store.conn

    @contextlib.contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction that cannot interleave with another (BEGIN IMMEDIATE)."""
        with self.store.lock:
            conn = self.store.conn
            self.begin_transaction(conn)
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")

    def begin_transaction(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
