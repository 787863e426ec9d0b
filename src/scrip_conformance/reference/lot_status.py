"""A lot's status as of now (D-CLOCK), as SQL: the clock tests, the status expression and the
per-status conditions built from them; the lot's wire form; the lot list's filters."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from scrip_conformance.reference.pagination import Pagination

LOT_STATUSES = ("DEFERRED", "AVAILABLE", "HELD", "CONSUMED", "EXPIRED")


class LotStatus(Pagination):
    """Lot status from the stored state and the clock. The clock tests are named steps (a
    variant that forgets one overrides just that step): ``lot_is_expired``, ``lot_is_live``,
    ``lot_is_maturing``, ``lot_has_matured``."""

    def lot_is_expired(self) -> str:
        """SQL: the lot's expires_at has passed as of ``:now``."""
        return "expires_at IS NOT NULL AND expires_at < :now"

    def lot_is_live(self) -> str:
        """SQL: the lot has not expired as of ``:now`` (an expiry at exactly now is still live)."""
        return "(expires_at IS NULL OR expires_at >= :now)"

    def lot_is_maturing(self) -> str:
        """SQL: the lot's matures_at is still ahead of ``:now`` (DEFERRED value)."""
        return "matures_at IS NOT NULL AND matures_at > :now"

    def lot_has_matured(self) -> str:
        """SQL: the lot has no matures_at or it has come as of ``:now``."""
        return "(matures_at IS NULL OR matures_at <= :now)"

    def lot_status_sql(self) -> str:
        """The lot status as of ``:now`` (D-CLOCK), from the stored state and the clock."""
        return (
            "CASE WHEN state = 'CONSUMED' THEN 'CONSUMED' "
            f"WHEN {self.lot_is_expired()} THEN 'EXPIRED' "
            f"WHEN state = 'AVAILABLE' AND {self.lot_is_maturing()} "
            "THEN 'DEFERRED' ELSE state END"
        )

    def lot_status_condition(self, status: str) -> str:
        """SQL condition (with ``:now``) selecting lots whose status as of now is ``status``."""
        live = self.lot_is_live()
        return {
            "CONSUMED": "state = 'CONSUMED'",
            "EXPIRED": f"(state != 'CONSUMED' AND {self.lot_is_expired()})",
            "DEFERRED": f"(state = 'AVAILABLE' AND {self.lot_is_maturing()} AND {live})",
            "AVAILABLE": f"(state = 'AVAILABLE' AND {self.lot_has_matured()} AND {live})",
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

    def lot_filters(self, q: Mapping[str, Any]) -> tuple[list[str], dict[str, Any]]:
        """SQL conditions of the lots list's filters (strict expiry bounds, see the spec)."""
        where = ["1 = 1"]
        params: dict[str, Any] = {}
        if q.get("status"):
            where.append(self.lot_status_condition(q["status"]))
        if q.get("expires_before"):
            where.append(self.expires_before_filter())
            params["eb"] = self.stored_time(q["expires_before"], "expires_before")
        if q.get("expires_after"):
            where.append(self.expires_after_filter())
            params["ea"] = self.stored_time(q["expires_after"], "expires_after")
        if q.get("reference_id"):
            where.append("reference_id = :ref")
            params["ref"] = q["reference_id"]
        if q.get("program_id"):
            where.append("program_id = :prog")
            params["prog"] = q["program_id"]
        return where, params

    def expires_before_filter(self) -> str:
        """SQL of ``expires_before=:eb``: strictly before the bound (lots that never expire are
        left out)."""
        return "expires_at IS NOT NULL AND expires_at < :eb"

    def expires_after_filter(self) -> str:
        """SQL of ``expires_after=:ea``: strictly after the bound."""
        return "expires_at IS NOT NULL AND expires_at > :ea"
