"""Programs, assets and participants: lookups (404s), their wire forms, and the writes that
create or change them (create, link, archive, upsert, enroll)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from scrip_conformance.reference.errors import ApiError, not_found
from scrip_conformance.reference.idempotency import Idempotency


class Entities(Idempotency):
    """``load_*`` (404 outside the organization), ``*_json`` serialisers, entity writes."""

    PROFILE_FIELDS = ("email", "phone", "first_name", "last_name", "display_name")

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
