"""The domain of the reference server: every operation of the spec, on a :class:`Store`.

The HTTP layer (``app.py``) validates the request shape against the spec and calls one public
method per operation; everything else happens here, in small named steps that a subclass can
override (the fault-injection seam of the known-bad variants, see the package docstring).
"""

from __future__ import annotations

import base64
import binascii
import calendar
import contextlib
import hashlib
import json
import re
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from scrip_conformance.reference.errors import ApiError, not_found, unprocessable, validation
from scrip_conformance.reference.store import Store

_AMOUNT = re.compile(r"^[0-9]+(\.[0-9]+)?$")
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_SPLIT = 1_000_000_000  # sums are taken as SUM(x / _SPLIT), SUM(x % _SPLIT): exact, no overflow
ONE_MICRO = timedelta(microseconds=1)
LOT_STATUSES = ("DEFERRED", "AVAILABLE", "HELD", "CONSUMED", "EXPIRED")
BUCKET_RANK = {"AVAILABLE": 0, "HELD": 1, "DEFERRED": 2}
MAX_PERIODS = 1000


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


def exact_sum(hi: int | None, lo: int | None) -> int:
    """Recombine a split SQL sum (see ``_SPLIT``)."""
    return (hi or 0) * _SPLIT + (lo or 0)


class Ledger:
    """All domain logic of the reference implementation.

    Public methods map one to one to the spec's operations: each takes the organization, the
    path id(s), the query (already schema-valid and typed) and/or the body, and returns
    ``(status, body)`` or raises :class:`ApiError`.
    """

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
        self._liability_sums: dict[tuple, dict] = {}

    def new_id(self) -> str:
        """A fresh UUID (the demo loader swaps in a seeded source)."""
        return self.id_source()

    # ------------------------------------------------------------------ auth and organization
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

    # ------------------------------------------------------------------ time
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

    # ------------------------------------------------------------------ amounts
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

    # ------------------------------------------------------------------ cursors
    def filters_digest(self, list_name: str, org: str, filters: Mapping[str, Any]) -> str:
        canonical = json.dumps([list_name, org, filters], sort_keys=True, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def encode_cursor(
        self, list_name: str, org: str, filters: Mapping[str, Any], position: list[Any]
    ) -> str:
        payload = {"l": list_name, "f": self.filters_digest(list_name, org, filters), "p": position}
        raw = json.dumps(payload, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode_cursor(
        self,
        token: str | None,
        list_name: str,
        org: str,
        filters: Mapping[str, Any],
        arity: int,
        kinds: str | None = None,
    ) -> list[Any] | None:
        """The keyset position of a cursor, or 400 ``invalid_cursor`` (D-PAGINATION)."""
        if token is None:
            return None
        bad = ApiError(400, "invalid_cursor", "cursor is malformed or belongs to another list")
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            payload = json.loads(raw)
        except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
            raise bad from exc
        if not isinstance(payload, dict) or set(payload) != {"l", "f", "p"}:
            raise bad
        if payload["l"] != list_name or payload["f"] != self.filters_digest(
            list_name, org, filters
        ):
            raise bad
        position = payload["p"]
        kinds = kinds or "s" * arity  # s: string, i: integer, per position
        if not isinstance(position, list) or len(position) != arity:
            raise bad
        for kind, value in zip(kinds, position, strict=True):
            expected = str if kind == "s" else int
            if not isinstance(value, expected) or isinstance(value, bool):
                raise bad
        return position

    def page(
        self,
        rows: list[Any],
        limit: int,
        list_name: str,
        org: str,
        filters: Mapping[str, Any],
        position_of: Callable[[Any], list[Any]],
    ) -> tuple[list[Any], dict[str, Any]]:
        has_more = len(rows) > limit
        rows = rows[:limit]
        cursor = (
            self.encode_cursor(list_name, org, filters, position_of(rows[-1])) if has_more else None
        )
        return rows, {"has_more": has_more, "next_cursor": cursor}

    @staticmethod
    def keyset_clause(columns: list[str], descending: bool) -> str:
        """Rows strictly after the cursor position: ``(a, b) > (?, ?)`` (``<`` when descending)."""
        op = "<" if descending else ">"
        marks = ", ".join("?" * len(columns))
        return f"(({', '.join(columns)}) {op} ({marks}))"

    @staticmethod
    def keyset_params(position: list[Any]) -> list[Any]:
        return list(position)

    # ------------------------------------------------------------------ transactions
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

    # ------------------------------------------------------------------ idempotency
    def fingerprint(self, operation: str, participant_id: str, body: Mapping[str, Any]) -> str:
        """Hash of the payload but the key; key order and trailing decimal zeros normalised."""
        normal = {k: v for k, v in body.items() if k != "idempotency_key"}
        if isinstance(normal.get("amount"), str) and "." in normal["amount"]:
            normal["amount"] = normal["amount"].rstrip("0").rstrip(".")
        canonical = json.dumps([operation, participant_id, normal], sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def idempotency_lookup(
        self, conn: sqlite3.Connection, org: str, program_id: str, key: str, fingerprint: str
    ) -> dict[str, Any] | None:
        """The original response of a replay, None for a new key, 409 for another payload."""
        row = conn.execute(
            "SELECT fingerprint, response FROM idempotency WHERE org = ? AND program_id = ? "
            "AND key = ?",
            (org, program_id, key),
        ).fetchone()
        if row is None:
            return None
        if row["fingerprint"] != fingerprint:
            raise ApiError(
                409, "idempotency_conflict", "idempotency_key was used with another payload"
            )
        return json.loads(row["response"])

    def idempotency_store(
        self,
        conn: sqlite3.Connection,
        org: str,
        program_id: str,
        key: str,
        fingerprint: str,
        response: Mapping[str, Any],
    ) -> None:
        conn.execute(
            "INSERT INTO idempotency(org, program_id, key, fingerprint, response) "
            "VALUES (?, ?, ?, ?, ?)",
            (org, program_id, key, fingerprint, json.dumps(response)),
        )

    # ------------------------------------------------------------------ entity lookups
    def load_program(self, conn: sqlite3.Connection, org: str, program_id: str) -> sqlite3.Row:
        row = conn.execute(
            "SELECT * FROM programs WHERE id = ? AND org = ?", (program_id, org)
        ).fetchone()
        if row is None:
            raise not_found("program")
        return row

    def load_asset(self, conn: sqlite3.Connection, org: str, asset_id: str) -> sqlite3.Row:
        row = conn.execute(
            "SELECT * FROM assets WHERE id = ? AND org = ?", (asset_id, org)
        ).fetchone()
        if row is None:
            raise not_found("asset")
        return row

    def load_participant(
        self, conn: sqlite3.Connection, org: str, participant_id: str
    ) -> sqlite3.Row:
        row = conn.execute(
            "SELECT * FROM participants WHERE id = ? AND org = ?", (participant_id, org)
        ).fetchone()
        if row is None:
            raise not_found("participant")
        return row

    def asset_program_ids(self, conn: sqlite3.Connection, asset_id: str) -> list[str]:
        rows = conn.execute(
            "SELECT program_id FROM program_assets WHERE asset_id = ? ORDER BY program_id",
            (asset_id,),
        ).fetchall()
        return [r[0] for r in rows]

    def is_linked(self, conn: sqlite3.Connection, program_id: str, asset_id: str) -> bool:
        return (
            conn.execute(
                "SELECT 1 FROM program_assets WHERE program_id = ? AND asset_id = ?",
                (program_id, asset_id),
            ).fetchone()
            is not None
        )

    # ------------------------------------------------------------------ serialisers
    def program_json(self, row: sqlite3.Row) -> dict[str, Any]:
        return {
            "id": row["id"],
            "name": row["name"],
            "description": row["description"],
            "on_unknown_participant": row["on_unknown_participant"],
            "status": row["status"],
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
            "deleted_at": row["deleted_at"],
        }

    def asset_json(self, conn: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]:
        ceiling = row["max_transaction_amount"]
        return {
            "id": row["id"],
            "name": row["name"],
            "symbol": row["symbol"],
            "inventory_mode": row["inventory_mode"],
            "issuance_policy": row["issuance_policy"],
            "scale": row["scale"],
            "max_transaction_amount": (
                None if ceiling is None else self.format_amount(ceiling, row["scale"])
            ),
            "status": row["status"],
            "program_ids": self.asset_program_ids(conn, row["id"]),
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
            "deleted_at": row["deleted_at"],
        }

    PROFILE_FIELDS = ("email", "phone", "first_name", "last_name", "display_name")

    def participant_summary_json(self, row: sqlite3.Row) -> dict[str, Any]:
        out = {"id": row["id"], "external_id": row["external_id"], "status": row["status"]}
        for field in self.PROFILE_FIELDS:
            out[field] = row[field]
        out["created_at"] = row["created_at"]
        out["updated_at"] = row["updated_at"]
        return out

    def participant_json(self, conn: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]:
        out = self.participant_summary_json(row)
        out["attributes"] = json.loads(row["attributes"])
        out["tags"] = json.loads(row["tags"])
        # counters cannot be set through the API; the demo data sets some (rules would)
        out["counters"] = json.loads(row["counters"]) if "counters" in row.keys() else {}
        out["tiers"] = {}
        out["program_ids"] = [
            r[0]
            for r in conn.execute(
                "SELECT program_id FROM participant_programs WHERE participant_id = ? "
                "ORDER BY program_id",
                (row["id"],),
            )
        ]
        out["balances"] = [
            self.balance_row_json(conn, row["id"], asset)
            for asset in self.active_assets(conn, row["id"])
        ]
        return out

    def lot_status_sql(self) -> str:
        """The lot status as of ``:now`` (D-CLOCK), from the stored state and the clock."""
        return (
            "CASE WHEN state = 'CONSUMED' THEN 'CONSUMED' "
            "WHEN expires_at IS NOT NULL AND expires_at < :now THEN 'EXPIRED' "
            "WHEN state = 'AVAILABLE' AND matures_at IS NOT NULL AND matures_at > :now "
            "THEN 'DEFERRED' ELSE state END"
        )

    def lot_status_condition(self, status: str) -> str:
        """SQL condition (with ``:now``) selecting lots whose status as of now is ``status``."""
        live = "(expires_at IS NULL OR expires_at >= :now)"
        return {
            "CONSUMED": "state = 'CONSUMED'",
            "EXPIRED": "(state != 'CONSUMED' AND expires_at IS NOT NULL AND expires_at < :now)",
            "DEFERRED": f"(state = 'AVAILABLE' AND matures_at IS NOT NULL AND matures_at > :now "
            f"AND {live})",
            "AVAILABLE": f"(state = 'AVAILABLE' AND (matures_at IS NULL OR matures_at <= :now) "
            f"AND {live})",
            "HELD": f"(state = 'HELD' AND {live})",
        }[status]

    def lot_json(self, row: sqlite3.Row, scale: int) -> dict[str, Any]:
        status = row["status"]
        remaining = 0 if status in ("CONSUMED", "EXPIRED") else row["remaining"]
        return {
            "id": row["id"],
            "asset_id": row["asset_id"],
            "amount": self.format_amount(row["amount"], scale),
            "remaining": self.format_amount(remaining, scale),
            "status": status,
            "created_at": row["created_at"],
            "expires_at": row["expires_at"],
            "matures_at": row["matures_at"],
            "reference_id": row["reference_id"],
        }

    # ------------------------------------------------------------------ balances
    def active_assets(self, conn: sqlite3.Connection, participant_id: str) -> list[sqlite3.Row]:
        """Assets with ledger activity for the participant, ordered by asset_id."""
        return conn.execute(
            "SELECT a.* FROM assets a WHERE a.id IN "
            "(SELECT DISTINCT asset_id FROM movements WHERE participant_id = ?) ORDER BY a.id",
            (participant_id,),
        ).fetchall()

    def balance_minor(
        self, conn: sqlite3.Connection, participant_id: str, asset: sqlite3.Row
    ) -> dict[str, int]:
        """available/deferred/held in minor units, derived from lots and the journal (D-BALANCE)."""
        figures = {"AVAILABLE": 0, "HELD": 0, "DEFERRED": 0}
        now = self.format_time(self.now())
        if asset["inventory_mode"] == "LOT":
            row = conn.execute(
                f"SELECT {self._bucket_sums_sql()} FROM lots "
                "WHERE participant_id = :p AND asset_id = :a AND state != 'CONSUMED'",
                {"p": participant_id, "a": asset["id"], "now": now},
            ).fetchone()
            for i, bucket in enumerate(("AVAILABLE", "HELD", "DEFERRED")):
                figures[bucket] = exact_sum(row[2 * i], row[2 * i + 1])
        for bucket, hi, lo in conn.execute(
            "SELECT bucket, SUM(delta / 1000000000), SUM(delta % 1000000000) FROM movements "
            "WHERE participant_id = ? AND asset_id = ? AND lot_id IS NULL GROUP BY bucket",
            (participant_id, asset["id"]),
        ):
            figures[bucket] += exact_sum(hi, lo)
        return figures

    def _bucket_sums_sql(self) -> str:
        parts = []
        for status in ("AVAILABLE", "HELD", "DEFERRED"):
            cond = self.lot_status_condition(status)
            parts.append(f"SUM(CASE WHEN {cond} THEN remaining / 1000000000 ELSE 0 END)")
            parts.append(f"SUM(CASE WHEN {cond} THEN remaining % 1000000000 ELSE 0 END)")
        return ", ".join(parts)

    def balance_figures_json(
        self, conn: sqlite3.Connection, participant_id: str, asset: sqlite3.Row
    ) -> dict[str, str]:
        minor = self.balance_minor(conn, participant_id, asset)
        scale = asset["scale"]
        return {
            "available": self.format_amount(minor["AVAILABLE"], scale),
            "deferred": self.format_amount(minor["DEFERRED"], scale),
            "held": self.format_amount(minor["HELD"], scale),
        }

    def balance_row_json(
        self, conn: sqlite3.Connection, participant_id: str, asset: sqlite3.Row
    ) -> dict[str, str]:
        return {"asset_id": asset["id"], **self.balance_figures_json(conn, participant_id, asset)}

    # ------------------------------------------------------------------ overdraft (D-OVERDRAFT)
    def overdraft_minor(self, conn: sqlite3.Connection, participant_id: str, asset_id: str) -> int:
        """How much the participant owes in the asset (>= 0)."""
        row = conn.execute(
            "SELECT SUM(delta / 1000000000), SUM(delta % 1000000000) FROM movements "
            "WHERE participant_id = ? AND asset_id = ? AND kind = 'OVERDRAFT' AND lot_id IS NULL",
            (participant_id, asset_id),
        ).fetchone()
        return max(0, -exact_sum(row[0], row[1]))

    def settle_overdraft(
        self,
        conn: sqlite3.Connection,
        org: str,
        participant_id: str,
        asset_id: str,
        program_id: str,
        lot_ids: list[str],
        at: str,
        entry_id: str,
    ) -> None:
        """Value entering AVAILABLE in ``lot_ids`` pays the overdraft first, oldest lot first."""
        owed = self.overdraft_minor(conn, participant_id, asset_id)
        if owed <= 0 or not lot_ids:
            return
        marks = ",".join("?" * len(lot_ids))
        lots = conn.execute(
            f"SELECT id, remaining FROM lots WHERE id IN ({marks}) AND state = 'AVAILABLE' "
            f"AND remaining > 0 ORDER BY {self.fifo_order_sql()}",
            lot_ids,
        ).fetchall()
        for lot in lots:
            if owed <= 0:
                break
            take = min(owed, lot["remaining"])
            self.take_from_lot(conn, lot["id"], lot["remaining"], take)
            self.record(
                conn,
                entry_id,
                org,
                participant_id,
                asset_id,
                program_id,
                lot["id"],
                "SETTLE",
                "AVAILABLE",
                -take,
                at,
            )
            self.record(
                conn,
                entry_id,
                org,
                participant_id,
                asset_id,
                program_id,
                None,
                "OVERDRAFT",
                "AVAILABLE",
                take,
                at,
            )
            owed -= take

    def settle_matured(
        self, conn: sqlite3.Connection, org: str, participant_id: str, asset_id: str
    ) -> None:
        """Lots that matured while an overdraft was open settle it at their maturity instant."""
        if self.overdraft_minor(conn, participant_id, asset_id) <= 0:
            return
        row = conn.execute(
            "SELECT max(at) FROM movements WHERE participant_id = ? AND asset_id = ? "
            "AND kind = 'OVERDRAFT' AND delta < 0",
            (participant_id, asset_id),
        ).fetchone()
        opened = row[0]
        now = self.format_time(self.now())
        lots = conn.execute(
            "SELECT id, program_id, matures_at FROM lots WHERE participant_id = ? AND asset_id = ? "
            "AND state = 'AVAILABLE' AND remaining > 0 AND matures_at IS NOT NULL "
            "AND matures_at > ? AND matures_at <= ? "
            "AND (expires_at IS NULL OR expires_at >= matures_at) "
            "ORDER BY matures_at, created_at, id",
            (participant_id, asset_id, opened, now),
        ).fetchall()
        for lot in lots:
            self.settle_overdraft(
                conn,
                org,
                participant_id,
                asset_id,
                lot["program_id"],
                [lot["id"]],
                lot["matures_at"],
                self.new_id(),
            )

    def pending_settlements(self, conn: sqlite3.Connection, org: str) -> list[tuple[str, str]]:
        """(participant, asset) pairs with an open overdraft and a lot matured since."""
        now = self.format_time(self.now())
        out = []
        for row in conn.execute(
            "SELECT participant_id, asset_id, max(CASE WHEN delta < 0 THEN at END) AS opened "
            "FROM movements WHERE org = ? AND kind = 'OVERDRAFT' "
            "GROUP BY participant_id, asset_id HAVING SUM(delta) < 0",
            (org,),
        ).fetchall():
            hit = conn.execute(
                "SELECT 1 FROM lots WHERE participant_id = ? AND asset_id = ? "
                "AND state = 'AVAILABLE' AND remaining > 0 AND matures_at > ? AND matures_at <= ? "
                "LIMIT 1",
                (row[0], row[1], row[2], now),
            ).fetchone()
            if hit:
                out.append((row[0], row[1]))
        return out

    def sweep(self, org: str) -> None:
        """Bring maturity-driven overdraft settlement up to the clock before a read."""
        with self.reading() as conn:
            pending = self.pending_settlements(conn, org)
        if pending:
            with self.writing() as conn:
                for participant_id, asset_id in pending:
                    self.settle_matured(conn, org, participant_id, asset_id)

    # ------------------------------------------------------------------ lot mechanics
    def fifo_order_sql(self) -> str:
        """D-ORDER: oldest first, ties by id."""
        return "created_at, id"

    def take_from_lot(
        self, conn: sqlite3.Connection, lot_id: str, remaining: int, take: int
    ) -> None:
        """Lower a lot's remaining (debit, forfeit, void, settle); CONSUMED at zero."""
        left = remaining - take
        conn.execute(
            "UPDATE lots SET remaining = ?, state = CASE WHEN ? = 0 THEN 'CONSUMED' ELSE state END "
            "WHERE id = ?",
            (left, left, lot_id),
        )

    def move_lot(
        self,
        conn: sqlite3.Connection,
        lot: sqlite3.Row,
        take: int,
        new_state: str,
        reference_id: str | None,
    ) -> str:
        """Move ``take`` of a lot to ``new_state``; the whole lot moves, a part is split off.

        Returns the id of the lot that now holds the moved value (D-LOT-SPLIT).
        """
        if take >= lot["remaining"]:
            conn.execute(
                "UPDATE lots SET state = ?, reference_id = ?, provisional = 0 WHERE id = ?",
                (new_state, reference_id, lot["id"]),
            )
            return lot["id"]
        return self.split_lot(conn, lot, take, new_state, reference_id)

    def split_lot(
        self,
        conn: sqlite3.Connection,
        lot: sqlite3.Row,
        take: int,
        new_state: str,
        reference_id: str | None,
    ) -> str:
        """The original keeps id, status and the rest; a new lot carries the part moved."""
        conn.execute("UPDATE lots SET remaining = remaining - ? WHERE id = ?", (take, lot["id"]))
        split_id = self.new_id()
        conn.execute(
            "INSERT INTO lots(id, org, participant_id, asset_id, program_id, amount, remaining, "
            "state, created_at, expires_at, matures_at, reference_id, provisional) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
            (
                split_id,
                lot["org"],
                lot["participant_id"],
                lot["asset_id"],
                lot["program_id"],
                take,
                take,
                new_state,
                lot["created_at"],
                lot["expires_at"],
                lot["matures_at"],
                reference_id,
            ),
        )
        return split_id

    def record(
        self,
        conn: sqlite3.Connection,
        entry_id: str,
        org: str,
        participant_id: str,
        asset_id: str,
        program_id: str,
        lot_id: str | None,
        kind: str,
        bucket: str,
        delta: int,
        at: str,
    ) -> None:
        """One journal movement."""
        conn.execute(
            "INSERT INTO movements(entry_id, org, participant_id, asset_id, program_id, lot_id, "
            "kind, bucket, delta, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (entry_id, org, participant_id, asset_id, program_id, lot_id, kind, bucket, delta, at),
        )

    def select_lots(
        self,
        conn: sqlite3.Connection,
        participant_id: str,
        asset_id: str,
        status: str,
        body: Mapping[str, Any],
        *,
        by_reference: bool,
        provisional_only: bool = False,
    ) -> list[sqlite3.Row]:
        """Lots of ``status`` (as of now) selected by lot_ids, earned_from/to, reference_id."""
        where = ["participant_id = :p", "asset_id = :a", self.lot_status_condition(status)]
        params: dict[str, Any] = {
            "p": participant_id,
            "a": asset_id,
            "now": self.format_time(self.now()),
        }
        if body.get("lot_ids"):
            names = []
            for i, lot_id in enumerate(body["lot_ids"]):
                params[f"l{i}"] = lot_id.lower()
                names.append(f":l{i}")
            where.append(f"id IN ({','.join(names)})")
        if body.get("earned_from"):
            where.append("created_at >= :ef")
            params["ef"] = self.stored_time(body["earned_from"], "earned_from")
        if body.get("earned_to"):
            where.append("created_at <= :et")
            params["et"] = self.stored_time(body["earned_to"], "earned_to")
        if by_reference and body.get("reference_id") is not None:
            where.append("reference_id = :ref")
            params["ref"] = body["reference_id"]
        if provisional_only:
            where.append("provisional = 1")
        return conn.execute(
            f"SELECT * FROM lots WHERE {' AND '.join(where)} ORDER BY {self.fifo_order_sql()}",
            params,
        ).fetchall()

    def plan_takes(self, lots: list[sqlite3.Row], amount: int | None) -> list[tuple[Any, int]]:
        """FIFO plan: (lot, part taken) until ``amount`` (everything when None)."""
        plan = []
        left = amount
        for lot in lots:
            if left is not None and left <= 0:
                break
            take = lot["remaining"] if left is None else min(left, lot["remaining"])
            if take <= 0:
                continue
            plan.append((lot, take))
            if left is not None:
                left -= take
        return plan

    # ================================================================== operations: programs
    def list_programs(self, org: str, q: Mapping[str, Any]) -> tuple[int, dict]:
        sort_by = q.get("sort_by", "created_at")
        descending = q.get("sort_dir", "asc") == "desc"
        filters = {
            k: q.get(k) for k in ("include_archived", "status", "search", "sort_by", "sort_dir")
        }
        where, params = ["org = ?"], [org]
        if q.get("status"):
            where.append("status = ?")
            params.append(q["status"])
        elif not q.get("include_archived"):
            where.append("status != 'ARCHIVED'")
        if q.get("search"):
            where.append("name LIKE ? ESCAPE '\\'")
            params.append(self.like_pattern(q["search"]))
        limit = q.get("limit", self.DEFAULT_LIMIT)
        with self.reading() as conn:
            position = self.decode_cursor(q.get("cursor"), "programs", org, filters, 2)
            if position is not None:
                where.append(self.keyset_clause([sort_by, "id"], descending))
                params += self.keyset_params(position)
            direction = "DESC" if descending else "ASC"
            rows = conn.execute(
                f"SELECT * FROM programs WHERE {' AND '.join(where)} "
                f"ORDER BY {sort_by} {direction}, id {direction} LIMIT ?",
                [*params, limit + 1],
            ).fetchall()
            rows, pagination = self.page(
                rows, limit, "programs", org, filters, lambda r: [r[sort_by], r["id"]]
            )
            return 200, {"data": [self.program_json(r) for r in rows], "pagination": pagination}

    @staticmethod
    def like_pattern(text: str) -> str:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"%{escaped}%"

    def create_program(self, org: str, body: Mapping[str, Any]) -> tuple[int, dict]:
        with self.writing() as conn:
            ts = self.entity_timestamp()
            program_id = self.new_id()
            conn.execute(
                "INSERT INTO programs(id, org, name, description, on_unknown_participant, status, "
                "created_at, updated_at, deleted_at) VALUES (?, ?, ?, ?, ?, 'ACTIVE', ?, ?, NULL)",
                (
                    program_id,
                    org,
                    body["name"],
                    body.get("description"),
                    body.get("on_unknown_participant", "CREATE"),
                    ts,
                    ts,
                ),
            )
            return 201, self.program_json(self.load_program(conn, org, program_id))

    def link_program_asset(
        self, org: str, program_id: str, body: Mapping[str, Any]
    ) -> tuple[int, dict]:
        with self.writing() as conn:
            self.load_program(conn, org, program_id)
            asset = self.load_asset(conn, org, body["asset_id"].lower())
            if self.is_linked(conn, program_id, asset["id"]):
                raise ApiError(409, "conflict", "asset is already linked to this program")
            conn.execute(
                "INSERT INTO program_assets(program_id, asset_id) VALUES (?, ?)",
                (program_id, asset["id"]),
            )
            return 200, self.asset_json(conn, asset)

    # ================================================================== operations: assets
    def list_assets(self, org: str, q: Mapping[str, Any]) -> tuple[int, dict]:
        filters = {k: q.get(k) for k in ("program_id", "status", "search")}
        where, params = ["a.org = ?"], [org]
        limit = q.get("limit", self.DEFAULT_LIMIT)
        with self.reading() as conn:
            if q.get("program_id"):
                self.load_program(conn, org, q["program_id"])
                where.append("a.id IN (SELECT asset_id FROM program_assets WHERE program_id = ?)")
                params.append(q["program_id"])
            if q.get("status"):
                where.append("a.status = ?")
                params.append(q["status"])
            if q.get("search"):
                where.append("(a.symbol LIKE ? ESCAPE '\\' OR a.name LIKE ? ESCAPE '\\')")
                params += [self.like_pattern(q["search"])] * 2
            position = self.decode_cursor(q.get("cursor"), "assets", org, filters, 2)
            if position is not None:
                where.append(self.keyset_clause(["a.created_at", "a.id"], False))
                params += self.keyset_params(position)
            rows = conn.execute(
                f"SELECT a.* FROM assets a WHERE {' AND '.join(where)} "
                "ORDER BY a.created_at, a.id LIMIT ?",
                [*params, limit + 1],
            ).fetchall()
            rows, pagination = self.page(
                rows, limit, "assets", org, filters, lambda r: [r["created_at"], r["id"]]
            )
            return 200, {"data": [self.asset_json(conn, r) for r in rows], "pagination": pagination}

    def create_asset(self, org: str, body: Mapping[str, Any]) -> tuple[int, dict]:
        scale = int(body["scale"])
        ceiling = None
        if body.get("max_transaction_amount") is not None:
            ceiling = self.parse_amount(
                body["max_transaction_amount"], scale, "max_transaction_amount"
            )
        with self.writing() as conn:
            program = self.load_program(conn, org, body["program_id"].lower())
            taken = conn.execute(
                "SELECT 1 FROM assets WHERE org = ? AND symbol = ?", (org, body["symbol"])
            ).fetchone()
            if taken:
                raise ApiError(409, "conflict", "symbol is already used in this organization")
            ts = self.entity_timestamp()
            asset_id = self.new_id()
            conn.execute(
                "INSERT INTO assets(id, org, name, symbol, inventory_mode, issuance_policy, scale, "
                "max_transaction_amount, status, created_at, updated_at, deleted_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'ACTIVE', ?, ?, NULL)",
                (
                    asset_id,
                    org,
                    body["name"],
                    body["symbol"],
                    body["inventory_mode"],
                    body["issuance_policy"],
                    scale,
                    ceiling,
                    ts,
                    ts,
                ),
            )
            conn.execute(
                "INSERT INTO program_assets(program_id, asset_id) VALUES (?, ?)",
                (program["id"], asset_id),
            )
            return 201, self.asset_json(conn, self.load_asset(conn, org, asset_id))

    def get_asset(self, org: str, asset_id: str) -> tuple[int, dict]:
        with self.reading() as conn:
            return 200, self.asset_json(conn, self.load_asset(conn, org, asset_id))

    def update_asset(self, org: str, asset_id: str, body: Mapping[str, Any]) -> tuple[int, dict]:
        with self.writing() as conn:
            asset = self.load_asset(conn, org, asset_id)
            changes: dict[str, Any] = {}
            if "name" in body:
                changes["name"] = body["name"]
            if "max_transaction_amount" in body:
                value = body["max_transaction_amount"]
                changes["max_transaction_amount"] = (
                    None
                    if value is None
                    else self.parse_amount(value, asset["scale"], "max_transaction_amount")
                )
            if body.get("status") == "ARCHIVED" and asset["status"] != "ARCHIVED":
                changes["status"] = "ARCHIVED"
                changes["deleted_at"] = self.entity_timestamp()
            if changes:
                changes["updated_at"] = changes.get("deleted_at") or self.entity_timestamp()
                sets = ", ".join(f"{k} = ?" for k in changes)
                conn.execute(
                    f"UPDATE assets SET {sets} WHERE id = ?", [*changes.values(), asset_id]
                )
            return 200, self.asset_json(conn, self.load_asset(conn, org, asset_id))

    # ================================================================== operations: participants
    PARTICIPANT_SORTS = ("created_at", "external_id", "status")

    def list_participants(self, org: str, q: Mapping[str, Any]) -> tuple[int, dict]:
        sort_by = q.get("sort_by", "created_at")
        descending = q.get("sort_dir", "asc") == "desc"
        keys = (
            "external_id",
            "program_id",
            "status",
            "search",
            "from",
            "to",
            "sort_by",
            "sort_dir",
        )
        filters = {k: q.get(k) for k in keys}
        where, params = ["org = ?"], [org]
        if q.get("external_id"):
            where.append("external_id = ?")
            params.append(q["external_id"])
        if q.get("program_id"):
            where.append(
                "id IN (SELECT participant_id FROM participant_programs WHERE program_id = ?)"
            )
            params.append(q["program_id"])
        if q.get("status"):
            where.append("status = ?")
            params.append(q["status"])
        if q.get("search"):
            cols = ("external_id", *self.PROFILE_FIELDS)
            where.append("(" + " OR ".join(f"{c} LIKE ? ESCAPE '\\'" for c in cols) + ")")
            params += [self.like_pattern(q["search"])] * len(cols)
        if q.get("from"):
            where.append("created_at >= ?")
            params.append(self.stored_time(q["from"], "from"))
        if q.get("to"):
            where.append("created_at <= ?")
            params.append(self.stored_time(q["to"], "to"))
        limit = q.get("limit", self.DEFAULT_LIMIT)
        with self.reading() as conn:
            position = self.decode_cursor(q.get("cursor"), "participants", org, filters, 2)
            if position is not None:
                where.append(self.keyset_clause([sort_by, "id"], descending))
                params += self.keyset_params(position)
            direction = "DESC" if descending else "ASC"
            rows = conn.execute(
                f"SELECT * FROM participants WHERE {' AND '.join(where)} "
                f"ORDER BY {sort_by} {direction}, id {direction} LIMIT ?",
                [*params, limit + 1],
            ).fetchall()
            rows, pagination = self.page(
                rows, limit, "participants", org, filters, lambda r: [r[sort_by], r["id"]]
            )
            return 200, {
                "data": [self.participant_summary_json(r) for r in rows],
                "pagination": pagination,
            }

    def create_participant(self, org: str, body: Mapping[str, Any]) -> tuple[int, dict]:
        with self.writing() as conn:
            program_id = body.get("program_id")
            if program_id is not None:
                program_id = self.load_program(conn, org, program_id.lower())["id"]
            existing = conn.execute(
                "SELECT * FROM participants WHERE org = ? AND external_id = ?",
                (org, body["external_id"]),
            ).fetchone()
            ts = self.entity_timestamp()
            if existing is None:
                participant_id = self.new_id()
                conn.execute(
                    "INSERT INTO participants(id, org, external_id, status, attributes, tags, "
                    "email, phone, first_name, last_name, display_name, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        participant_id,
                        org,
                        body["external_id"],
                        body.get("status", "ACTIVE"),
                        json.dumps(body.get("attributes", {})),
                        json.dumps(body.get("tags", [])),
                        *(body.get(f) for f in self.PROFILE_FIELDS),
                        ts,
                        ts,
                    ),
                )
                status = 201
            else:
                participant_id = existing["id"]
                changes: dict[str, Any] = {}
                for field in ("status", *self.PROFILE_FIELDS):
                    if field in body:
                        changes[field] = body[field]
                for field in ("attributes", "tags"):
                    if field in body:
                        changes[field] = json.dumps(body[field])
                changes["updated_at"] = ts
                sets = ", ".join(f"{k} = ?" for k in changes)
                conn.execute(
                    f"UPDATE participants SET {sets} WHERE id = ?",
                    [*changes.values(), participant_id],
                )
                status = 200
            if program_id is not None:
                self.enroll(conn, participant_id, program_id)
            return status, self.participant_json(
                conn, self.load_participant(conn, org, participant_id)
            )

    def enroll(self, conn: sqlite3.Connection, participant_id: str, program_id: str) -> None:
        conn.execute(
            "INSERT OR IGNORE INTO participant_programs(participant_id, program_id) VALUES (?, ?)",
            (participant_id, program_id),
        )

    def get_participant(self, org: str, participant_id: str) -> tuple[int, dict]:
        self.sweep(org)
        with self.reading() as conn:
            return 200, self.participant_json(
                conn, self.load_participant(conn, org, participant_id)
            )

    def list_participant_balances(
        self, org: str, participant_id: str, q: Mapping[str, Any]
    ) -> tuple[int, dict]:
        self.sweep(org)
        filters = {"participant": participant_id, "asset_id": q.get("asset_id")}
        limit = q.get("limit", self.DEFAULT_LIMIT)
        with self.reading() as conn:
            self.load_participant(conn, org, participant_id)
            position = self.decode_cursor(q.get("cursor"), "balances", org, filters, 1)
            assets = self.active_assets(conn, participant_id)
            if q.get("asset_id"):
                assets = [a for a in assets if a["id"] == q["asset_id"]]
            if position is not None:
                assets = [a for a in assets if a["id"] > position[0]]
            rows, pagination = self.page(
                assets[: limit + 1], limit, "balances", org, filters, lambda a: [a["id"]]
            )
            return 200, {
                "data": [self.balance_row_json(conn, participant_id, a) for a in rows],
                "pagination": pagination,
            }

    def list_participant_lots(
        self, org: str, participant_id: str, q: Mapping[str, Any]
    ) -> tuple[int, dict]:
        self.sweep(org)
        keys = (
            "asset_id",
            "program_id",
            "status",
            "expires_before",
            "expires_after",
            "reference_id",
        )
        filters = {"participant": participant_id, **{k: q.get(k) for k in keys}}
        limit = q.get("limit", self.DEFAULT_LIMIT)
        params: dict[str, Any] = {"now": self.format_time(self.now())}
        with self.reading() as conn:
            self.load_participant(conn, org, participant_id)
            asset = self.load_asset(conn, org, q["asset_id"])
            if q.get("program_id"):
                self.load_program(conn, org, q["program_id"])
            if asset["inventory_mode"] != "LOT":
                raise validation("asset_id names a SIMPLE asset; lots exist for LOT assets only")
            where, more = self.lot_filters(q)
            params.update(more)
            params.update({"p": participant_id, "a": asset["id"]})
            position = self.decode_cursor(q.get("cursor"), "lots", org, filters, 2)
            if position is not None:
                where.append("(created_at, id) > (:c0, :c1)")
                params.update({"c0": position[0], "c1": position[1]})
            params["lim"] = limit + 1
            rows = conn.execute(
                f"SELECT *, {self.lot_status_sql()} AS status FROM lots "
                f"WHERE participant_id = :p AND asset_id = :a AND {' AND '.join(where)} "
                f"ORDER BY {self.fifo_order_sql()} LIMIT :lim",
                params,
            ).fetchall()
            rows, pagination = self.page(
                rows, limit, "lots", org, filters, lambda r: [r["created_at"], r["id"]]
            )
            return 200, {
                "data": [self.lot_json(r, asset["scale"]) for r in rows],
                "pagination": pagination,
            }

    def lot_filters(self, q: Mapping[str, Any]) -> tuple[list[str], dict[str, Any]]:
        """SQL conditions of the lots list's filters (strict expiry bounds, see the spec)."""
        where = ["1 = 1"]
        params: dict[str, Any] = {}
        if q.get("status"):
            where.append(self.lot_status_condition(q["status"]))
        if q.get("expires_before"):
            where.append("expires_at IS NOT NULL AND expires_at < :eb")
            params["eb"] = self.stored_time(q["expires_before"], "expires_before")
        if q.get("expires_after"):
            where.append("expires_at IS NOT NULL AND expires_at > :ea")
            params["ea"] = self.stored_time(q["expires_after"], "expires_after")
        if q.get("reference_id"):
            where.append("reference_id = :ref")
            params["ref"] = q["reference_id"]
        if q.get("program_id"):
            where.append("program_id = :prog")
            params["prog"] = q["program_id"]
        return where, params

    # ================================================================== operations: writes
    def _write_context(
        self,
        conn: sqlite3.Connection,
        org: str,
        participant_id: str,
        body: Mapping[str, Any],
    ) -> tuple[sqlite3.Row, sqlite3.Row, sqlite3.Row]:
        """participant, program, asset of a balance operation (404s), the asset linked."""
        participant = self.load_participant(conn, org, participant_id)
        program = self.load_program(conn, org, body["program_id"].lower())
        asset = self.load_asset(conn, org, body["asset_id"].lower())
        if not self.is_linked(conn, program["id"], asset["id"]):
            raise not_found("asset in this program")
        return participant, program, asset

    def _idempotent(
        self,
        operation: str,
        org: str,
        participant_id: str,
        body: Mapping[str, Any],
        apply: Callable[[sqlite3.Connection], dict[str, Any]],
    ) -> tuple[int, dict]:
        with self.writing() as conn:
            key = body.get("idempotency_key")
            if key is None:
                return 200, apply(conn)
            program_id = body["program_id"].lower()
            fp = self.fingerprint(operation, participant_id, body)
            replay = self.idempotency_lookup(conn, org, program_id, key, fp)
            if replay is not None:
                return 200, replay
            response = apply(conn)
            self.idempotency_store(conn, org, program_id, key, fp, response)
            return 200, response

    def check_writable(self, asset: sqlite3.Row) -> None:
        if asset["status"] == "ARCHIVED":
            raise unprocessable("asset_archived", "the asset is archived and accepts no entries")

    def check_active(self, participant: sqlite3.Row) -> None:
        if participant["status"] != "ACTIVE":
            raise unprocessable("participant_inactive", "the participant is not ACTIVE")

    def adjust(self, org: str, participant_id: str, body: Mapping[str, Any]) -> tuple[int, dict]:
        kind = body["type"]
        bucket = body.get("bucket", "AVAILABLE")
        allow_negative = body.get("allow_negative", False)
        if allow_negative and (kind == "CREDIT" or bucket == "HELD"):
            raise validation("allow_negative applies to DEBITs from AVAILABLE only")
        extension = [f for f in ("expires_at", "matures_at", "reference_id") if f in body]
        if extension and kind != "CREDIT":
            raise validation(f"{', '.join(extension)} apply to CREDITs only")
        expires = (
            self.stored_time(body["expires_at"], "expires_at") if "expires_at" in body else None
        )
        matures = (
            self.stored_time(body["matures_at"], "matures_at") if "matures_at" in body else None
        )
        if expires and matures and expires <= matures:
            raise validation("expires_at must be later than matures_at")
        self.check_amount_syntax(body["amount"])
        if "reference_id" in body and bucket != "HELD":
            raise validation("reference_id needs bucket HELD")
        if matures and bucket != "AVAILABLE":
            raise validation("matures_at needs bucket AVAILABLE")

        def apply(conn: sqlite3.Connection) -> dict[str, Any]:
            participant, program, asset = self._write_context(conn, org, participant_id, body)
            if extension and asset["inventory_mode"] != "LOT":
                raise validation(f"{', '.join(extension)} apply to LOT assets only")
            amount = self.parse_amount(body["amount"], asset["scale"])
            self.check_writable(asset)
            ceiling = asset["max_transaction_amount"]
            if ceiling is not None and amount > ceiling:
                raise unprocessable(
                    "max_transaction_amount_exceeded",
                    "amount is above the asset's max_transaction_amount",
                )
            self.check_active(participant)
            self.enroll(conn, participant["id"], program["id"])
            entry_id = self.new_id()
            if asset["inventory_mode"] == "LOT":
                self.settle_matured(conn, org, participant["id"], asset["id"])
            ctx = (conn, org, participant, program, asset, entry_id)
            if kind == "CREDIT":
                self.credit(*ctx, amount, bucket, expires, matures, body.get("reference_id"))
            else:
                self.debit(*ctx, amount, bucket, allow_negative)
            return {
                "amount": self.format_amount(amount, asset["scale"]),
                "asset_id": asset["id"],
                "balance": self.balance_figures_json(conn, participant["id"], asset),
                "bucket": bucket,
                "journal_entry_id": entry_id,
                "message": f"{kind.lower()} applied",
                "program_id": program["id"],
                "type": kind,
            }

        return self._idempotent("ADJUST", org, participant_id, body, apply)

    def credit(
        self,
        conn: sqlite3.Connection,
        org: str,
        participant: sqlite3.Row,
        program: sqlite3.Row,
        asset: sqlite3.Row,
        entry_id: str,
        amount: int,
        bucket: str,
        expires: str | None,
        matures: str | None,
        reference_id: str | None,
    ) -> None:
        now = self.format_time(self.now())
        p, a, prog = participant["id"], asset["id"], program["id"]
        if asset["inventory_mode"] != "LOT":
            self.record(conn, entry_id, org, p, a, prog, None, "CREDIT", bucket, amount, now)
            return
        lot_id = self.create_lot(
            conn, org, p, a, prog, amount, bucket, expires, matures, reference_id
        )
        self.record(conn, entry_id, org, p, a, prog, lot_id, "CREDIT", bucket, amount, now)
        if bucket == "AVAILABLE" and (matures is None or matures <= now):
            self.settle_overdraft(conn, org, p, a, prog, [lot_id], now, entry_id)

    def create_lot(
        self,
        conn: sqlite3.Connection,
        org: str,
        participant_id: str,
        asset_id: str,
        program_id: str,
        amount: int,
        bucket: str,
        expires: str | None,
        matures: str | None,
        reference_id: str | None,
    ) -> str:
        """D-LOT-CREDIT: exactly one lot, remaining = amount; credits into HELD are provisional."""
        lot_id = self.new_id()
        conn.execute(
            "INSERT INTO lots(id, org, participant_id, asset_id, program_id, amount, remaining, "
            "state, created_at, expires_at, matures_at, reference_id, provisional) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                lot_id,
                org,
                participant_id,
                asset_id,
                program_id,
                amount,
                amount,
                bucket,
                self.lot_timestamp(conn, participant_id, asset_id),
                expires,
                matures,
                reference_id,
                1 if bucket == "HELD" else 0,
            ),
        )
        return lot_id

    def debit(
        self,
        conn: sqlite3.Connection,
        org: str,
        participant: sqlite3.Row,
        program: sqlite3.Row,
        asset: sqlite3.Row,
        entry_id: str,
        amount: int,
        bucket: str,
        allow_negative: bool,
    ) -> None:
        now = self.format_time(self.now())
        p, a, prog = participant["id"], asset["id"], program["id"]
        if asset["inventory_mode"] != "LOT":
            have = self.balance_minor(conn, p, asset)[bucket]
            if have < amount and not allow_negative:
                raise unprocessable("insufficient_balance", f"{bucket} balance is too small")
            self.record(conn, entry_id, org, p, a, prog, None, "DEBIT", bucket, -amount, now)
            return
        lots = self.select_lots(conn, p, a, bucket, {}, by_reference=False)
        have = sum(lot["remaining"] for lot in lots)
        if have < amount and not allow_negative:
            raise unprocessable("insufficient_balance", f"{bucket} balance is too small")
        for lot, take in self.plan_takes(lots, amount):
            self.take_from_lot(conn, lot["id"], lot["remaining"], take)
            self.record(conn, entry_id, org, p, a, prog, lot["id"], "DEBIT", bucket, -take, now)
        if have < amount:
            self.record(
                conn,
                entry_id,
                org,
                p,
                a,
                prog,
                None,
                "OVERDRAFT",
                "AVAILABLE",
                -(amount - have),
                now,
            )

    def _operation_checks(self, body: Mapping[str, Any], asset: sqlite3.Row) -> int | None:
        if asset["inventory_mode"] != "LOT":
            lot_only = [
                f for f in ("earned_from", "earned_to", "lot_ids", "reference_id") if f in body
            ]
            if lot_only:
                raise validation(f"{', '.join(lot_only)} apply to LOT assets only")
        amount = None
        if "amount" in body:
            amount = self.parse_amount(body["amount"], asset["scale"])
        self.check_writable(asset)
        return amount

    def _check_earned_bounds(self, body: Mapping[str, Any]) -> None:
        if "earned_from" in body:
            self.stored_time(body["earned_from"], "earned_from")
        if "earned_to" in body:
            self.stored_time(body["earned_to"], "earned_to")
        if "earned_from" in body and "earned_to" in body:
            if self.parse_time(body["earned_to"], "earned_to") < self.parse_time(
                body["earned_from"], "earned_from"
            ):
                raise validation("earned_to must be at or after earned_from")

    def _operation_response(
        self,
        conn: sqlite3.Connection,
        operation: str,
        participant_id: str,
        program: sqlite3.Row,
        asset: sqlite3.Row,
        processed: int,
        lots_processed: list[tuple[str, int]] | None,
        entry_id: str,
        reference_id: str | None,
    ) -> dict[str, Any]:
        scale = asset["scale"]
        return {
            "amount_processed": self.format_amount(processed, scale),
            "asset_id": asset["id"],
            "balance": self.balance_figures_json(conn, participant_id, asset),
            "journal_entry_id": entry_id if processed > 0 else None,
            "lots_processed": (
                None
                if lots_processed is None
                else [{"id": i, "amount": self.format_amount(v, scale)} for i, v in lots_processed]
            ),
            "message": f"{operation.lower()} processed",
            "operation": operation,
            "program_id": program["id"],
            "reference_id": reference_id,
        }

    def _check_earned(self, body: Mapping[str, Any]) -> None:
        if "amount" in body:
            self.check_amount_syntax(body["amount"])
        self._check_earned_bounds(body)

    def hold(self, org: str, participant_id: str, body: Mapping[str, Any]) -> tuple[int, dict]:
        self._check_earned(body)

        def apply(conn: sqlite3.Connection) -> dict[str, Any]:
            participant, program, asset = self._write_context(conn, org, participant_id, body)
            amount = self._operation_checks(body, asset)
            self.check_active(participant)
            return self.move_between(conn, org, "HOLD", participant, program, asset, body, amount)

        return self._idempotent("HOLD", org, participant_id, body, apply)

    def release(self, org: str, participant_id: str, body: Mapping[str, Any]) -> tuple[int, dict]:
        self._check_earned(body)

        def apply(conn: sqlite3.Connection) -> dict[str, Any]:
            participant, program, asset = self._write_context(conn, org, participant_id, body)
            amount = self._operation_checks(body, asset)
            self.check_active(participant)
            return self.move_between(
                conn, org, "RELEASE", participant, program, asset, body, amount
            )

        return self._idempotent("RELEASE", org, participant_id, body, apply)

    def move_between(
        self,
        conn: sqlite3.Connection,
        org: str,
        operation: str,
        participant: sqlite3.Row,
        program: sqlite3.Row,
        asset: sqlite3.Row,
        body: Mapping[str, Any],
        amount: int | None,
    ) -> dict[str, Any]:
        """HOLD (AVAILABLE -> HELD) or RELEASE (HELD -> AVAILABLE), FIFO, splitting a part."""
        source, target = ("AVAILABLE", "HELD") if operation == "HOLD" else ("HELD", "AVAILABLE")
        now = self.format_time(self.now())
        p, a, prog = participant["id"], asset["id"], program["id"]
        entry_id = self.new_id()
        reference_id = body.get("reference_id")
        if asset["inventory_mode"] != "LOT":
            have = self.balance_minor(conn, p, asset)[source]
            if amount is not None and have < amount:
                raise unprocessable("insufficient_balance", f"{source} balance is too small")
            moved = max(0, have if amount is None else amount)
            if moved:
                self.record(conn, entry_id, org, p, a, prog, None, operation, source, -moved, now)
                self.record(conn, entry_id, org, p, a, prog, None, operation, target, moved, now)
            return self._operation_response(
                conn, operation, p, program, asset, moved, None, entry_id, reference_id
            )
        self.settle_matured(conn, org, p, a)
        lots = self.select_lots(conn, p, a, source, body, by_reference=operation == "RELEASE")
        if amount is not None and sum(lot["remaining"] for lot in lots) < amount:
            raise unprocessable("insufficient_balance", f"selected {source} value is too small")
        processed, moved_ids, report = 0, [], []
        stamp = reference_id if operation == "HOLD" else None
        for lot, take in self.plan_takes(lots, amount):
            moved_id = self.move_lot(conn, lot, take, target, stamp)
            self.record(conn, entry_id, org, p, a, prog, lot["id"], operation, source, -take, now)
            self.record(conn, entry_id, org, p, a, prog, moved_id, operation, target, take, now)
            moved_ids.append(moved_id)
            report.append((lot["id"], take))
            processed += take
        if operation == "RELEASE":
            self.settle_overdraft(conn, org, p, a, prog, moved_ids, now, entry_id)
        return self._operation_response(
            conn, operation, p, program, asset, processed, report, entry_id, reference_id
        )

    def forfeit(self, org: str, participant_id: str, body: Mapping[str, Any]) -> tuple[int, dict]:
        self._check_earned(body)
        if "bucket" not in body:
            raise validation("bucket is required for forfeit")

        def apply(conn: sqlite3.Connection) -> dict[str, Any]:
            participant, program, asset = self._write_context(conn, org, participant_id, body)
            amount = self._operation_checks(body, asset)
            bucket = body["bucket"]
            lots = None
            if asset["inventory_mode"] == "LOT":
                self.settle_matured(conn, org, participant["id"], asset["id"])
                lots = self.select_lots(
                    conn, participant["id"], asset["id"], bucket, body, by_reference=True
                )
            return self.take_out(
                conn,
                org,
                "FORFEIT",
                participant,
                program,
                asset,
                bucket,
                lots,
                amount,
                body.get("reference_id"),
            )

        return self._idempotent("FORFEIT", org, participant_id, body, apply)

    def void_hold(self, org: str, participant_id: str, body: Mapping[str, Any]) -> tuple[int, dict]:
        unsupported = [f for f in ("amount", "lot_ids", "earned_from", "earned_to") if f in body]
        if unsupported:
            raise validation(f"void-hold does not support {', '.join(unsupported)}")
        if "reference_id" not in body:
            raise validation("reference_id is required for void-hold")

        def apply(conn: sqlite3.Connection) -> dict[str, Any]:
            participant, program, asset = self._write_context(conn, org, participant_id, body)
            if asset["inventory_mode"] != "LOT":
                raise validation("void-hold applies to LOT assets only")
            self.check_writable(asset)
            lots = self.select_lots(
                conn,
                participant["id"],
                asset["id"],
                "HELD",
                body,
                by_reference=True,
                provisional_only=True,
            )
            return self.take_out(
                conn,
                org,
                "VOID_HOLD",
                participant,
                program,
                asset,
                "HELD",
                lots,
                None,
                body["reference_id"],
            )

        return self._idempotent("VOID_HOLD", org, participant_id, body, apply)

    def take_out(
        self,
        conn: sqlite3.Connection,
        org: str,
        operation: str,
        participant: sqlite3.Row,
        program: sqlite3.Row,
        asset: sqlite3.Row,
        bucket: str,
        lots: list[sqlite3.Row] | None,
        amount: int | None,
        reference_id: str | None,
    ) -> dict[str, Any]:
        """FORFEIT / VOID_HOLD: value leaves the participant; lots are reduced, never split."""
        now = self.format_time(self.now())
        p, a, prog = participant["id"], asset["id"], program["id"]
        entry_id = self.new_id()
        if lots is None:
            have = self.balance_minor(conn, p, asset)[bucket]
            if amount is not None and have < amount:
                raise unprocessable("insufficient_balance", f"{bucket} balance is too small")
            taken = max(0, have if amount is None else amount)
            if taken:
                self.record(conn, entry_id, org, p, a, prog, None, operation, bucket, -taken, now)
            return self._operation_response(
                conn, operation, p, program, asset, taken, None, entry_id, reference_id
            )
        if amount is not None and sum(lot["remaining"] for lot in lots) < amount:
            raise unprocessable("insufficient_balance", f"selected {bucket} value is too small")
        processed, report = 0, []
        for lot, take in self.plan_takes(lots, amount):
            self.take_from_lot(conn, lot["id"], lot["remaining"], take)
            self.record(conn, entry_id, org, p, a, prog, lot["id"], operation, bucket, -take, now)
            report.append((lot["id"], take))
            processed += take
        return self._operation_response(
            conn, operation, p, program, asset, processed, report, entry_id, reference_id
        )

    # ================================================================== operations: reports
    def period_start(self, moment: datetime, granularity: str) -> datetime:
        """Start of the calendar period containing ``moment`` (UTC alignment)."""
        day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        if granularity == "day":
            return day
        if granularity == "week":
            return day - timedelta(days=day.weekday())
        return day.replace(day=1)

    def period_end(self, start: datetime, granularity: str) -> datetime:
        if granularity == "day":
            return start + timedelta(days=1)
        if granularity == "week":
            return start + timedelta(days=7)
        days = calendar.monthrange(start.year, start.month)[1]
        return start + timedelta(days=days)

    def count_periods(self, start: datetime, end: datetime, granularity: str) -> int:
        first, last = self.period_start(start, granularity), self.period_start(end, granularity)
        if granularity == "day":
            return (last - first).days + 1
        if granularity == "week":
            return (last - first).days // 7 + 1
        return (last.year - first.year) * 12 + last.month - first.month + 1

    def schedule_periods(
        self, start: datetime, end: datetime, granularity: str
    ) -> list[tuple[datetime, datetime | None]]:
        """The whole calendar periods overlapping ``[start, end]``, in order (UTC alignment).

        The end is None for the period in year 9999 that has no successor.
        """
        periods = []
        current = self.period_start(start, granularity)
        while current <= end:
            try:
                following = self.period_end(current, granularity)
            except OverflowError:  # no period follows December 9999: the last one is open-ended
                periods.append((current, None))
                break
            periods.append((current, following))
            current = following
        return periods

    def window_conditions(self) -> dict[str, str]:
        """Classification of an expiry E against the window: never, before, after (D-schedule).

        ``:from``/``:to`` are the window bounds, both inclusive; a bucket holds the rest.
        """
        return {
            "N": "expires_at IS NULL",
            "B": "expires_at IS NOT NULL AND expires_at < :from",
            "A": "expires_at > :to",
        }

    def bucket_condition(self) -> str:
        """Expiries inside the window that fall in the half-open period ``[:lo, :hi)``."""
        return (
            "expires_at >= :lo AND expires_at < :hi AND expires_at >= :from AND expires_at <= :to"
        )

    def outstanding_condition(self) -> str:
        """Lots still carrying value as of now (AVAILABLE, HELD or DEFERRED, remaining > 0)."""
        return (
            "state != 'CONSUMED' AND remaining > 0 AND (expires_at IS NULL OR expires_at >= :now)"
        )

    def expiration_schedule(self, org: str, q: Mapping[str, Any]) -> tuple[int, dict]:
        self.sweep(org)
        start = self.parse_time(q["from"], "from")
        end = self.parse_time(q["to"], "to")
        granularity = q.get("granularity", "month")
        if start > end:
            raise validation("from must not be after to")
        try:
            periods = self.count_periods(start, end, granularity)
        except (OverflowError, ValueError) as exc:
            raise validation("the window is out of range") from exc
        if periods > MAX_PERIODS:
            raise validation(f"the window spans more than {MAX_PERIODS} {granularity} periods")
        filters = {k: q.get(k) for k in ("from", "to", "granularity", "program_id", "asset_id")}
        limit = q.get("limit", self.DEFAULT_LIMIT)
        with self.reading() as conn:
            where, params = ["a.org = ?", "a.inventory_mode = 'LOT'"], [org]
            if q.get("asset_id"):
                asset = self.load_asset(conn, org, q["asset_id"])
                if asset["inventory_mode"] != "LOT":
                    raise validation("asset_id names a SIMPLE asset")
                where.append("a.id = ?")
                params.append(asset["id"])
            if q.get("program_id"):
                self.load_program(conn, org, q["program_id"])
                where.append("a.id IN (SELECT asset_id FROM program_assets WHERE program_id = ?)")
                params.append(q["program_id"])
            position = self.decode_cursor(q.get("cursor"), "schedule", org, filters, 1)
            if position is not None:
                where.append("a.id > ?")
                params.append(position[0])
            assets = conn.execute(
                f"SELECT a.* FROM assets a WHERE {' AND '.join(where)} ORDER BY a.id LIMIT ?",
                [*params, limit + 1],
            ).fetchall()
            assets, pagination = self.page(
                assets, limit, "schedule", org, filters, lambda r: [r["id"]]
            )
            data = [
                self.schedule_row(conn, asset, start, end, granularity, q.get("program_id"))
                for asset in assets
            ]
            return 200, {"data": data, "pagination": pagination}

    def schedule_row(
        self,
        conn: sqlite3.Connection,
        asset: sqlite3.Row,
        start: datetime,
        end: datetime,
        granularity: str,
        program_id: str | None,
    ) -> dict[str, Any]:
        """One asset's schedule: SQL sums over index ranges of its outstanding lots.

        One aggregate per class and per period, each a range of the covering index
        ``lots_outstanding`` (asset, expires_at, ...): no per-row grouping or sorting, and the
        ranges partition the outstanding lots, so the whole report reads each lot once.
        """
        params: dict[str, Any] = {
            "asset": asset["id"],
            "now": self.format_time(self.now()),
            "from": self.format_time(start),
            "to": self.format_time(end),
        }
        scope = f"asset_id = :asset AND {self.outstanding_condition()}"
        if program_id:
            scope += " AND program_id = :program"
            params["program"] = program_id

        def aggregate(condition: str, extra: Mapping[str, Any] | None = None) -> tuple[int, int]:
            row = conn.execute(
                "SELECT SUM(remaining / 1000000000), SUM(remaining % 1000000000), COUNT(*) "
                f"FROM lots WHERE {scope} AND {condition}",
                {**params, **(extra or {})},
            ).fetchone()
            return exact_sum(row[0], row[1]), row[2]

        scale = asset["scale"]
        figures = {key: aggregate(cond)[0] for key, cond in self.window_conditions().items()}
        total = sum(figures.values())
        buckets = []
        for b_start, b_end in self.schedule_periods(start, end, granularity):
            last = datetime.max.replace(tzinfo=UTC)
            bounds = {
                "lo": self.format_time(b_start),
                "hi": self.format_time(b_end) if b_end is not None else "~",  # "~" sorts last
            }
            amount, count = aggregate(self.bucket_condition(), bounds)
            if count == 0:
                continue
            total += amount
            buckets.append(
                {
                    "bucket_start": bounds["lo"],
                    "bucket_end": self.format_time(b_end or last),
                    "amount": self.format_amount(amount, scale),
                    "lot_count": count,
                }
            )
        return {
            "asset_id": asset["id"],
            "asset_name": asset["name"],
            "asset_symbol": asset["symbol"],
            "buckets": buckets,
            "never_expiring": self.format_amount(figures["N"], scale),
            "expiring_before_window": self.format_amount(figures["B"], scale),
            "expiring_after_window": self.format_amount(figures["A"], scale),
            "scale": scale,
            "total_outstanding": self.format_amount(total, scale),
        }

    def liability_report(self, org: str, q: Mapping[str, Any]) -> tuple[int, dict]:
        self.sweep(org)
        now = self.now()
        by_bucket = bool(q.get("by_bucket", False))
        filters = {k: q.get(k) for k in ("as_of", "program_id", "asset_id", "by_bucket")}
        # the cursor carries the as_of of the first page, so a default as_of pages consistently
        position = self.decode_cursor(q.get("cursor"), "liability", org, filters, 4, "sssi")
        if q.get("as_of"):
            as_of = self.parse_time(q["as_of"], "as_of")
        elif position is not None:
            try:
                as_of = self.parse_time(position[0], "cursor")
            except ApiError as exc:
                raise ApiError(400, "invalid_cursor", "cursor is malformed") from exc
        else:
            as_of = now
        if as_of > now:
            raise validation("as_of must not be in the future")
        as_of_text = self.format_time(as_of)
        limit = q.get("limit", self.DEFAULT_LIMIT)
        with self.reading() as conn:
            where = ["m.org = :org", "m.at <= :as_of"]
            params: dict[str, Any] = {"org": org, "as_of": as_of_text}
            if q.get("asset_id"):
                self.load_asset(conn, org, q["asset_id"])
                where.append("m.asset_id = :asset")
                params["asset"] = q["asset_id"]
            if q.get("program_id"):
                self.load_program(conn, org, q["program_id"])
                where.append("m.program_id = :program")
                params["program"] = q["program_id"]
            # the database as this connection sees it: another connection's commits change
            # data_version, this one's change total_changes
            version = (conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes)
            cache_key = (org, as_of_text, q.get("asset_id"), q.get("program_id"), by_bucket)
            cached = self._liability_sums.get(cache_key)
            if cached is not None and cached[0] == version:
                sums = cached[1]
            else:
                sums = self.liability_sums(conn, where, params, by_bucket)
                if len(self._liability_sums) >= 16:
                    self._liability_sums.pop(next(iter(self._liability_sums)))
                self._liability_sums[cache_key] = (version, sums)
            keys = sorted(
                sums,
                key=lambda k: (k[0], k[1], BUCKET_RANK.get(k[2], 0) if k[2] else 0),
            )

            def position_of(k: tuple[str, str, str | None]) -> list[Any]:
                return [as_of_text, k[0], k[1], BUCKET_RANK.get(k[2], 0) if k[2] else 0]

            if position is not None:
                keys = [k for k in keys if position_of(k)[1:] > position[1:]]
            keys, pagination = self.page(
                keys[: limit + 1], limit, "liability", org, filters, position_of
            )
            assets = {
                r["id"]: r for r in conn.execute("SELECT * FROM assets WHERE org = ?", (org,))
            }
            programs = {
                r["id"]: r for r in conn.execute("SELECT * FROM programs WHERE org = ?", (org,))
            }
            data = []
            for asset_id, program_id, bucket in keys:
                asset, program = assets[asset_id], programs[program_id]
                data.append(
                    {
                        "asset_id": asset_id,
                        "asset_name": asset["name"],
                        "asset_symbol": asset["symbol"],
                        "balance": self.format_amount(
                            sums.get((asset_id, program_id, bucket), 0), asset["scale"]
                        ),
                        "bucket": bucket,
                        "program_id": program_id,
                        "program_name": program["name"],
                        "scale": asset["scale"],
                    }
                )
            return 200, {"as_of": as_of_text, "data": data, "pagination": pagination}

    def liability_sums(
        self,
        conn: sqlite3.Connection,
        where: list[str],
        params: Mapping[str, Any],
        by_bucket: bool,
    ) -> dict[tuple[str, str, str | None], int]:
        """Balance per (asset, program, bucket) as of ``:as_of``, in minor units: one grouped
        pass over the journal, where every group touched gets an entry (a group touched only by
        lots that expired before as_of counts as touched, with zero)."""
        kept = "(m.lot_id IS NULL OR l.expires_at IS NULL OR l.expires_at >= :as_of)"
        rows = conn.execute(
            f"SELECT m.asset_id, m.program_id, {self.liability_bucket_sql(by_bucket)} AS b, "
            f"SUM(CASE WHEN {kept} THEN m.delta / 1000000000 ELSE 0 END), "
            f"SUM(CASE WHEN {kept} THEN m.delta % 1000000000 ELSE 0 END) "
            "FROM movements m LEFT JOIN lots l ON l.id = m.lot_id "
            f"WHERE {' AND '.join(where)} "
            "GROUP BY m.asset_id, m.program_id, b",
            params,
        ).fetchall()
        return {(r[0], r[1], r[2]): exact_sum(r[3], r[4]) for r in rows}

    def liability_bucket_sql(self, by_bucket: bool) -> str:
        """The bucket of a movement as of ``:as_of``: unmatured lot value is DEFERRED."""
        if not by_bucket:
            return "NULL"
        return (
            "CASE WHEN m.lot_id IS NOT NULL AND m.bucket = 'AVAILABLE' "
            "AND l.matures_at IS NOT NULL AND l.matures_at > :as_of THEN 'DEFERRED' "
            "ELSE m.bucket END"
        )


def as_decimal(text: str) -> Decimal:
    return Decimal(text)
