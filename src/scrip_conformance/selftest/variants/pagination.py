"""Pagination: cursors that skip or repeat rows, has_more without a cursor, limit ignored or
clamped."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode

from scrip_conformance.reference.ledger import Ledger
from scrip_conformance.selftest.variants.base import Rewrite, variant
from scrip_conformance.selftest.variants.probe import Probe


def _walk(p: Probe, limit: int, cap: int = 20) -> list[str]:
    """Lot ids walked page by page with ``limit`` (at most ``cap`` pages)."""
    path = f"/v1/participants/{p.participant}/balances/lots"
    ids, cursor = [], None
    for _ in range(cap):
        query = {"asset_id": p.asset, "limit": limit}
        if cursor:
            query["cursor"] = cursor
        body = p.get(path, query).json()
        ids += [lot["id"] for lot in body["data"]]
        cursor = body["pagination"]["next_cursor"]
        if not body["pagination"]["has_more"] or not cursor:
            break
    return ids


def _five_lots(p: Probe) -> None:
    for amount in ("1.00", "2.00", "3.00", "4.00", "5.00"):
        p.credit(amount)


def _skips(p: Probe) -> bool:
    _five_lots(p)
    return len(_walk(p, 2)) != 5


@variant(
    "cursor-skips-a-row",
    family="pagination",
    contracts=("PAGINATION-CONSISTENT-ACROSS-PAGE-SIZES",),
    symptom=_skips,
)
class CursorSkipsARow(Ledger):
    """The cursor records the first row of the next page (the extra row fetched to detect
    has_more) while the next query starts strictly after it, so one row per page is skipped."""

    def page(self, rows, limit, list_name, org, filters, position_of):
        if len(rows) <= limit:
            return super().page(rows, limit, list_name, org, filters, position_of)
        cursor = self.encode_cursor(list_name, org, filters, position_of(rows[limit]))
        return rows[:limit], {"has_more": True, "next_cursor": cursor}


def _repeats(p: Probe) -> bool:
    _five_lots(p)
    ids = _walk(p, 3)
    return len(ids) != len(set(ids))


@variant(
    "cursor-repeats-a-row",
    family="pagination",
    contracts=("PAGINATION-NO-DUPLICATES",),
    symptom=_repeats,
)
class CursorRepeatsARow(Ledger):
    """The cursor records the second-to-last row of the page (an off-by-one in the index), so
    every next page starts again with the previous page's last row."""

    def page(self, rows, limit, list_name, org, filters, position_of):
        if len(rows) <= limit or limit < 2:
            return super().page(rows, limit, list_name, org, filters, position_of)
        cursor = self.encode_cursor(list_name, org, filters, position_of(rows[limit - 2]))
        return rows[:limit], {"has_more": True, "next_cursor": cursor}


def _more_without_cursor(p: Probe) -> bool:
    p.credit("1.00")
    p.credit("2.00")
    path = f"/v1/participants/{p.participant}/balances/lots"
    page = p.get(path, {"asset_id": p.asset, "limit": 2}).json()["pagination"]
    return page["has_more"] is True and page["next_cursor"] is None


@variant(
    "has-more-without-cursor",
    family="pagination",
    contracts=("PAGINATION-HAS-MORE-CURSOR",),
    symptom=_more_without_cursor,
)
class HasMoreWithoutCursor(Ledger):
    """has_more is computed as ``len(page) >= limit``: an exactly full last page says has_more
    true, and, as no row is left to point at, gives next_cursor null."""

    def page(self, rows, limit, list_name, org, filters, position_of):
        page, pagination = super().page(rows, limit, list_name, org, filters, position_of)
        if len(rows) == limit:
            pagination["has_more"] = True
        return page, pagination


def _rewrite_limit(query: str, change: Callable[[str], str | None]) -> str:
    pairs = []
    for name, value in parse_qsl(query, keep_blank_values=True):
        kept: str | None = change(value) if name == "limit" else value
        if kept is not None:
            pairs.append((name, kept))
    return urlencode(pairs)


def _limit_not_honoured(p: Probe) -> bool:
    _five_lots(p)
    return len(p.lots(limit=2)) != 2


@variant(
    "limit-ignored",
    family="pagination",
    contracts=("PAGINATION-LIMIT-RESPECTED", "ERROR-BAD-LIMIT-400"),
    symptom=_limit_not_honoured,
)
class LimitIgnored(Rewrite):
    """The list handlers never read ``limit``: every page has the default size of 50, and an
    invalid limit is not refused either."""

    def query(self, path, query):
        return _rewrite_limit(query, lambda value: None)


def _clamp(value: str) -> str:
    try:
        return str(min(max(int(value), 1), 200))
    except ValueError:
        return value


def _clamped(p: Probe) -> bool:
    path = "/v1/programs"
    return p.get(path, {"limit": 0}).status_code == 200


@variant(
    "limit-clamped",
    family="pagination",
    contracts=("ERROR-BAD-LIMIT-400",),
    symptom=_clamped,
)
class LimitClamped(Rewrite):
    """An out-of-range limit is clamped into 1..200 (``min(max(limit, 1), 200)``) instead of
    being refused with 400, which the spec forbids."""

    def query(self, path, query):
        return _rewrite_limit(query, _clamp)
