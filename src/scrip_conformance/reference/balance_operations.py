"""The balance operations: adjust (credit and debit), hold, release, forfeit and void-hold. Each
validates, runs idempotently in one write transaction, selects lots FIFO and answers with the
amounts processed and the new balance."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from scrip_conformance.reference.errors import not_found, unprocessable, validation
from scrip_conformance.reference.reads import Reads


class BalanceOperations(Reads):
    """One public method per balance operation; ``credit``, ``debit``, ``move_between`` and
    ``take_out`` are the steps they share (and that variants override)."""

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

    def _check_earned(self, body: Mapping[str, Any]) -> None:
        if "amount" in body:
            self.check_amount_syntax(body["amount"])
        self._check_earned_bounds(body)

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
