"""Balances derived from lots and the journal (D-BALANCE), and the overdraft: how much is owed
and how value entering AVAILABLE settles it, including lots that matured since (D-OVERDRAFT)."""

from __future__ import annotations

import sqlite3

from scrip_conformance.reference.base import exact_sum
from scrip_conformance.reference.lot_selection import LotSelection


class Balances(LotSelection):
    """``balance_minor`` and its wire forms; ``overdraft_minor``, ``settle_overdraft``,
    ``settle_matured`` and ``sweep`` (settlement brought up to the clock before a read)."""

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
