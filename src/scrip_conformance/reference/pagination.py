"""Keyset pagination, written once: opaque cursors bound to their list and filters
(D-PAGINATION), and :meth:`Pagination.keyset_page`, which every SQL-backed list uses
(:meth:`Pagination.page_after` for the two lists computed in Python)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from scrip_conformance.reference.base import LedgerBase
from scrip_conformance.reference.errors import ApiError


class Pagination(LedgerBase):
    """Cursors and pages: ``decode_cursor`` (400 invalid_cursor), ``page`` (has_more and
    next_cursor), ``keyset_clause``; the variants of the pagination family override these."""

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
    def keyset_clause(columns: Sequence[str], descending: bool) -> str:
        """Rows strictly after the cursor position: ``((a, b) > (:k0, :k1))`` (``<`` when
        descending), with :meth:`keyset_params` binding the position."""
        op = "<" if descending else ">"
        marks = ", ".join(f":k{i}" for i in range(len(columns)))
        return f"(({', '.join(columns)}) {op} ({marks}))"

    @staticmethod
    def keyset_params(position: list[Any]) -> dict[str, Any]:
        return {f"k{i}": value for i, value in enumerate(position)}

    def keyset_page(
        self,
        conn: sqlite3.Connection,
        q: Mapping[str, Any],
        *,
        name: str,
        org: str,
        filters: Mapping[str, Any],
        select: str,
        where: Sequence[str],
        params: Mapping[str, Any],
        keyset: Sequence[str],
        descending: bool = False,
        order: str | None = None,
    ) -> tuple[list[sqlite3.Row], dict[str, Any]]:
        """One page of a list: the rows of ``select`` matching ``where`` (named parameters),
        ordered by ``keyset`` (or ``order``), strictly after the position of ``q``'s cursor.

        Call it after the list's own checks: a bad cursor is a 400 only once they pass.
        """
        limit = q.get("limit", self.DEFAULT_LIMIT)
        position = self.decode_cursor(q.get("cursor"), name, org, filters, len(keyset))
        conditions, bound = list(where), dict(params)
        if position is not None:
            conditions.append(self.keyset_clause(keyset, descending))
            bound.update(self.keyset_params(position))
        direction = "DESC" if descending else "ASC"
        order = order or ", ".join(f"{column} {direction}" for column in keyset)
        bound["page_limit"] = limit + 1
        rows = conn.execute(
            f"{select} WHERE {' AND '.join(conditions)} ORDER BY {order} LIMIT :page_limit", bound
        ).fetchall()
        columns = [column.rpartition(".")[2] for column in keyset]
        return self.page(rows, limit, name, org, filters, lambda r: [r[c] for c in columns])

    def page_after(
        self,
        items: list[Any],
        limit: int,
        name: str,
        org: str,
        filters: Mapping[str, Any],
        position: list[Any] | None,
        position_of: Callable[[Any], list[Any]],
        skip: int = 0,
    ) -> tuple[list[Any], dict[str, Any]]:
        """The same keyset page over items already in list order (the lists computed in
        Python): those after ``position``, compared from its index ``skip`` on."""
        if position is not None:
            items = [item for item in items if position_of(item)[skip:] > position[skip:]]
        return self.page(items[: limit + 1], limit, name, org, filters, position_of)
