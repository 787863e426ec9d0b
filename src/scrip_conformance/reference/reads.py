"""The read operations: the lists of programs, assets, participants, a participant's balances and
lots (all paged by :meth:`~scrip_conformance.reference.pagination.Pagination.keyset_page`), and
the single-entity reads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scrip_conformance.reference.entities import Entities
from scrip_conformance.reference.errors import validation


class Reads(Entities):
    """One public method per read operation of the spec; filters become SQL conditions here."""

    PARTICIPANT_SORTS = ("created_at", "external_id", "status")

    def list_programs(self, org: str, q: Mapping[str, Any]) -> tuple[int, dict]:
        sort_by = q.get("sort_by", "created_at")
        filters = {
            k: q.get(k) for k in ("include_archived", "status", "search", "sort_by", "sort_dir")
        }
        where, params = ["org = :org"], {"org": org}
        if q.get("status"):
            where.append("status = :status")
            params["status"] = q["status"]
        elif not q.get("include_archived"):
            where.append("status != 'ARCHIVED'")
        if q.get("search"):
            where.append("name LIKE :search ESCAPE '\\'")
            params["search"] = self.like_pattern(q["search"])
        with self.reading() as conn:
            rows, pagination = self.keyset_page(
                conn,
                q,
                name="programs",
                org=org,
                filters=filters,
                select="SELECT * FROM programs",
                where=where,
                params=params,
                keyset=[sort_by, "id"],
                descending=q.get("sort_dir", "asc") == "desc",
            )
            return 200, {"data": [self.program_json(r) for r in rows], "pagination": pagination}

    @staticmethod
    def like_pattern(text: str) -> str:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"%{escaped}%"

    def list_assets(self, org: str, q: Mapping[str, Any]) -> tuple[int, dict]:
        filters = {k: q.get(k) for k in ("program_id", "status", "search")}
        where, params = ["a.org = :org"], {"org": org}
        with self.reading() as conn:
            if q.get("program_id"):
                self.load_program(conn, org, q["program_id"])
                where.append(
                    "a.id IN (SELECT asset_id FROM program_assets WHERE program_id = :program)"
                )
                params["program"] = q["program_id"]
            if q.get("status"):
                where.append("a.status = :status")
                params["status"] = q["status"]
            if q.get("search"):
                where.append(
                    "(a.symbol LIKE :search ESCAPE '\\' OR a.name LIKE :search ESCAPE '\\')"
                )
                params["search"] = self.like_pattern(q["search"])
            rows, pagination = self.keyset_page(
                conn,
                q,
                name="assets",
                org=org,
                filters=filters,
                select="SELECT a.* FROM assets a",
                where=where,
                params=params,
                keyset=["a.created_at", "a.id"],
            )
            return 200, {"data": [self.asset_json(conn, r) for r in rows], "pagination": pagination}

    def get_asset(self, org: str, asset_id: str) -> tuple[int, dict]:
        with self.reading() as conn:
            return 200, self.asset_json(conn, self.load_asset(conn, org, asset_id))

    def list_participants(self, org: str, q: Mapping[str, Any]) -> tuple[int, dict]:
        keys = ("external_id", "program_id", "status", "search", "from", "to")
        filters = {k: q.get(k) for k in (*keys, "sort_by", "sort_dir")}
        where, params = self.participant_filters(org, q)
        with self.reading() as conn:
            rows, pagination = self.keyset_page(
                conn,
                q,
                name="participants",
                org=org,
                filters=filters,
                select="SELECT * FROM participants",
                where=where,
                params=params,
                keyset=[q.get("sort_by", "created_at"), "id"],
                descending=q.get("sort_dir", "asc") == "desc",
            )
            return 200, {
                "data": [self.participant_summary_json(r) for r in rows],
                "pagination": pagination,
            }

    def participant_filters(
        self, org: str, q: Mapping[str, Any]
    ) -> tuple[list[str], dict[str, Any]]:
        """SQL conditions (named parameters) of the participant list's filters."""
        where, params = ["org = :org"], {"org": org}
        if q.get("external_id"):
            where.append("external_id = :external_id")
            params["external_id"] = q["external_id"]
        if q.get("program_id"):
            enrolled = "SELECT participant_id FROM participant_programs WHERE program_id = :program"
            where.append(f"id IN ({enrolled})")
            params["program"] = q["program_id"]
        if q.get("status"):
            where.append("status = :status")
            params["status"] = q["status"]
        if q.get("search"):
            cols = ("external_id", *self.PROFILE_FIELDS)
            where.append("(" + " OR ".join(f"{c} LIKE :search ESCAPE '\\'" for c in cols) + ")")
            params["search"] = self.like_pattern(q["search"])
        if q.get("from"):
            where.append("created_at >= :from")
            params["from"] = self.stored_time(q["from"], "from")
        if q.get("to"):
            where.append("created_at <= :to")
            params["to"] = self.stored_time(q["to"], "to")
        return where, params

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
            rows, pagination = self.page_after(
                assets, limit, "balances", org, filters, position, lambda a: [a["id"]]
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
            rows, pagination = self.keyset_page(
                conn,
                q,
                name="lots",
                org=org,
                filters=filters,
                select=f"SELECT *, {self.lot_status_sql()} AS status FROM lots",
                where=["participant_id = :p", "asset_id = :a", *where],
                params=params,
                keyset=["created_at", "id"],
                order=self.fifo_order_sql(),
            )
            return 200, {
                "data": [self.lot_json(r, asset["scale"]) for r in rows],
                "pagination": pagination,
            }
