"""List envelopes and cursors (PAGINATION-*, D-PAGINATION)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scrip_conformance.invariants._common import show, violation
from scrip_conformance.violations import Violation

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def effective_limit(raw: Any) -> int | None:
    """The page size a request asked for: its ``limit`` when valid, the default when absent,
    None when the value is outside 1..200 (such a request must not succeed anyway)."""
    if raw is None:
        return DEFAULT_LIMIT
    try:
        value = int(str(raw))
    except ValueError:
        return None
    return value if 1 <= value <= MAX_LIMIT else None


def check_envelope(body: Any, limit: int | None) -> list[Violation]:
    """``has_more``/``next_cursor`` agree and the page holds at most ``limit`` items."""
    if not isinstance(body, dict) or not isinstance(body.get("pagination"), dict):
        return [
            violation(
                "PAGINATION-HAS-MORE-CURSOR",
                "list answer without a pagination object",
                "{data: [...], pagination: {has_more, next_cursor}}",
                show(body),
            )
        ]
    found = []
    page = body["pagination"]
    has_more, cursor = page.get("has_more"), page.get("next_cursor")
    consistent = (has_more is True and isinstance(cursor, str) and cursor != "") or (
        has_more is False and cursor is None
    )
    if not consistent:
        found.append(
            violation(
                "PAGINATION-HAS-MORE-CURSOR",
                "has_more and next_cursor disagree",
                "has_more true with a non-empty next_cursor, or has_more false with null",
                f"has_more = {show(has_more)}, next_cursor = {show(cursor)}",
            )
        )
    data = body.get("data")
    if limit is not None and isinstance(data, list) and len(data) > limit:
        found.append(
            violation(
                "PAGINATION-LIMIT-RESPECTED",
                "page holds more items than the limit",
                f"at most {limit} items",
                f"{len(data)} items",
            )
        )
    return found


def check_no_duplicates(ids: Sequence[Any], subject: str = "") -> list[Violation]:
    """Walking every page yields each item once."""
    seen: set = set()
    for position, item_id in enumerate(ids):
        if item_id in seen:
            return [
                violation(
                    "PAGINATION-NO-DUPLICATES",
                    "an item is listed twice across pages",
                    "every item exactly once",
                    f"{item_id} repeated at position {position}",
                    subject,
                )
            ]
        seen.add(item_id)
    return []


def check_same_sequence(
    reference: Sequence[Any],
    other: Sequence[Any],
    page_size: int,
    reference_size: int,
    subject: str = "",
) -> list[Violation]:
    """Walking with ``page_size`` gives the items of the ``reference_size`` walk, in order.

    Only the common prefix is compared (a walk may stop at a limit, and new items may have been
    appended at the end in between).
    """
    length = min(len(reference), len(other))
    for index in range(length):
        if reference[index] != other[index]:
            return [
                violation(
                    "PAGINATION-CONSISTENT-ACROSS-PAGE-SIZES",
                    "page sizes disagree on the items and their order",
                    f"item #{index} = {reference[index]} (as with limit={reference_size})",
                    f"item #{index} = {other[index]} with limit={page_size}",
                    subject,
                )
            ]
    return []


def check_complete(
    reference: Sequence[Any],
    other: Sequence[Any],
    page_size: int,
    reference_size: int,
    other_complete: bool,
    reference_complete: bool,
    subject: str = "",
) -> list[Violation]:
    """A walk that reached the end (has_more false) holds every item the other walk saw."""
    if other_complete and len(other) < len(reference):
        return [
            violation(
                "PAGINATION-CONSISTENT-ACROSS-PAGE-SIZES",
                "a walk ended early: items were skipped",
                f"{len(reference)} items (as with limit={reference_size})",
                f"has_more false after {len(other)} items with limit={page_size}",
                subject,
            )
        ]
    if reference_complete and len(reference) < len(other):
        return check_complete(other, reference, reference_size, page_size, True, False, subject)
    return []
