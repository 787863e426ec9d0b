"""Idempotent writes: a replay of an idempotency_key returns the original response, the same key
with another payload is 409 (the fingerprint ignores key order and trailing decimal zeros)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Mapping
from typing import Any

from scrip_conformance.reference.balances import Balances
from scrip_conformance.reference.errors import ApiError


class Idempotency(Balances):
    """``fingerprint``, ``idempotency_lookup``, ``idempotency_store`` and ``_idempotent``, the
    one write transaction around a balance operation that applies them."""

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
