"""Lot mechanics: which lots an operation takes from (selection in FIFO order, the plan of parts
taken), and how value moves (lower a lot, move or split it, create one), each recorded as a
journal movement."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from scrip_conformance.reference.lot_status import LotStatus


class LotSelection(LotStatus):
    """FIFO selection and the lot writes: ``select_lots``, ``plan_takes``, ``take_from_lot``,
    ``move_lot``/``split_lot`` (D-LOT-SPLIT), ``create_lot`` (D-LOT-CREDIT), ``record``."""

    def fifo_order_sql(self) -> str:
        """D-ORDER: oldest first, ties by id."""
        return "created_at, id"

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
