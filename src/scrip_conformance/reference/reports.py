"""The reports: the expiration schedule (calendar periods, the window's before / after / never
figures, one SQL aggregate per index range) and the liability report (one grouped pass over the
journal, cached per as_of while the data does not change)."""

from __future__ import annotations

import calendar
import sqlite3
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from scrip_conformance.reference.balance_operations import BalanceOperations
from scrip_conformance.reference.base import exact_sum
from scrip_conformance.reference.errors import ApiError, validation

BUCKET_RANK = {"AVAILABLE": 0, "HELD": 1, "DEFERRED": 2}
MAX_PERIODS = 1000


class Reports(BalanceOperations):
    """``expiration_schedule`` and ``liability_report``, with their named steps: the calendar
    (``period_start``, ``period_end``, ``schedule_periods``), the window's conditions
    (``expires_before_window``, ``expires_after_window``, ``expires_inside_window``), the
    lots counted (``outstanding_condition``), the liability's bucket
    (``liability_bucket_sql``)."""

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
        periods: list[tuple[datetime, datetime | None]] = []
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
            "B": self.expires_before_window(),
            "A": self.expires_after_window(),
        }

    def expires_before_window(self) -> str:
        return "expires_at IS NOT NULL AND expires_at < :from"

    def expires_after_window(self) -> str:
        return "expires_at > :to"

    def expires_inside_window(self) -> str:
        """The window includes both its bounds."""
        return "expires_at >= :from AND expires_at <= :to"

    def bucket_condition(self) -> str:
        """Expiries inside the window that fall in the half-open period ``[:lo, :hi)``."""
        return f"expires_at >= :lo AND expires_at < :hi AND {self.expires_inside_window()}"

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
        with self.reading() as conn:
            where = ["a.org = :org", "a.inventory_mode = 'LOT'"]
            params: dict[str, Any] = {"org": org}
            if q.get("asset_id"):
                asset = self.load_asset(conn, org, q["asset_id"])
                if asset["inventory_mode"] != "LOT":
                    raise validation("asset_id names a SIMPLE asset")
                where.append("a.id = :asset")
                params["asset"] = asset["id"]
            if q.get("program_id"):
                self.load_program(conn, org, q["program_id"])
                where.append(
                    "a.id IN (SELECT asset_id FROM program_assets WHERE program_id = :program)"
                )
                params["program"] = q["program_id"]
            assets, pagination = self.keyset_page(
                conn,
                q,
                name="schedule",
                org=org,
                filters=filters,
                select="SELECT a.* FROM assets a",
                where=where,
                params=params,
                keyset=["a.id"],
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
        by_bucket = bool(q.get("by_bucket", False))
        filters = {k: q.get(k) for k in ("as_of", "program_id", "asset_id", "by_bucket")}
        # the cursor carries the as_of of the first page, so a default as_of pages consistently
        position = self.decode_cursor(q.get("cursor"), "liability", org, filters, 4, "sssi")
        as_of_text = self.format_time(self.liability_as_of(q, position))
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
            key = (org, as_of_text, q.get("asset_id"), q.get("program_id"), by_bucket)
            sums = self.cached_liability_sums(conn, key, where, params, by_bucket)
            keys = sorted(sums, key=lambda k: (k[0], k[1], BUCKET_RANK.get(k[2], 0) if k[2] else 0))

            def position_of(k: tuple[str, str, str | None]) -> list[Any]:
                return [as_of_text, k[0], k[1], BUCKET_RANK.get(k[2], 0) if k[2] else 0]

            keys, pagination = self.page_after(
                keys, limit, "liability", org, filters, position, position_of, skip=1
            )
            assets = {
                r["id"]: r for r in conn.execute("SELECT * FROM assets WHERE org = ?", (org,))
            }
            programs = {
                r["id"]: r for r in conn.execute("SELECT * FROM programs WHERE org = ?", (org,))
            }
            data = [
                self.liability_row(assets[a], programs[p], b, sums.get((a, p, b), 0))
                for a, p, b in keys
            ]
            return 200, {"as_of": as_of_text, "data": data, "pagination": pagination}

    def liability_as_of(self, q: Mapping[str, Any], position: list[Any] | None) -> datetime:
        """The report's as_of: the query's, else the first page's (from the cursor), else now;
        never in the future."""
        now = self.now()
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
        return as_of

    def cached_liability_sums(
        self,
        conn: sqlite3.Connection,
        key: tuple,
        where: list[str],
        params: Mapping[str, Any],
        by_bucket: bool,
    ) -> dict[tuple[str, str, str | None], int]:
        """:meth:`liability_sums`, kept for the later pages while the data does not change."""
        # the database as this connection sees it: another connection's commits change
        # data_version, this one's change total_changes
        version = (conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes)
        cached = self._liability_sums.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
        sums = self.liability_sums(conn, where, params, by_bucket)
        if len(self._liability_sums) >= 16:
            self._liability_sums.pop(next(iter(self._liability_sums)))
        self._liability_sums[key] = (version, sums)
        return sums

    def liability_row(
        self, asset: sqlite3.Row, program: sqlite3.Row, bucket: str | None, balance: int
    ) -> dict[str, Any]:
        return {
            "asset_id": asset["id"],
            "asset_name": asset["name"],
            "asset_symbol": asset["symbol"],
            "balance": self.format_amount(balance, asset["scale"]),
            "bucket": bucket,
            "program_id": program["id"],
            "program_name": program["name"],
            "scale": asset["scale"],
        }

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
