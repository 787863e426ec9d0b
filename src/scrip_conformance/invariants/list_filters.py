"""Filters and sort orders of the resource lists (programs, assets, participants, a
participant's balances): a filtered walk holds exactly the matching items of the unfiltered
one, in its order; a sorted walk is ordered by its key.

Pure functions. What the spec leaves open is accepted both ways: ``search`` is a case-insensitive
substring match, judged only on ASCII text (how a server folds the case of other letters is not
specified); text sort keys are compared only where every collation agrees (the first differing
characters both letters of one case, or digits).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any

from scrip_conformance.invariants import filters, timestamps
from scrip_conformance.violations import Violation

Predicate = Callable[[dict], bool | None]
"""Whether an item matches a filter: True, False, or None when the spec lets either be right."""

SEARCH_FIELDS = {
    "assets": ("symbol", "name"),
    "programs": ("name",),
    "participants": ("external_id", "email", "phone", "first_name", "last_name", "display_name"),
}


def search_matches(item: dict, term: str, fields: Sequence[str]) -> bool | None:
    """``term`` is a case-insensitive substring of one of ``fields`` (None: a field that does
    not match holds non-ASCII text, where case folding is the server's choice)."""
    needle = term.lower()
    unsure = False
    for name in fields:
        value = item.get(name)
        if not isinstance(value, str):
            continue
        if needle in value.lower():
            return True
        if not value.isascii():
            unsure = True
    return None if unsure or not term.isascii() else False


def _instant(value: Any) -> datetime | None:
    return timestamps.parse(value) if isinstance(value, str) else None


def predicate(kind: str, name: str, value: str) -> Predicate:
    """The meaning of one query parameter of a list, as a predicate on its items."""
    if name == "search":
        return lambda item: search_matches(item, value, SEARCH_FIELDS[kind])
    if name == "program_id":  # assets carry program_ids; participants are judged by detail
        return lambda item: value in (item.get("program_ids") or [])
    if name in ("status", "external_id", "asset_id"):
        return lambda item: item.get(name) == value
    if name == "include_archived":
        return lambda item: value == "true" or item.get("status") != "ARCHIVED"
    bound = timestamps.parse(value)
    if name == "from":
        return lambda item: _compare(_instant(item.get("created_at")), bound, ">=")
    if name == "to":
        return lambda item: _compare(_instant(item.get("created_at")), bound, "<=")
    raise ValueError(f"no predicate for the {kind} filter {name}")


def _compare(left: datetime | None, right: datetime | None, op: str) -> bool | None:
    if left is None or right is None:
        return None
    return left >= right if op == ">=" else left <= right


def all_of(predicates: Sequence[Predicate]) -> Predicate:
    """Combined filters: an item matches when every one matches (None when one cannot tell)."""

    def combined(item: dict) -> bool | None:
        answers = [p(item) for p in predicates]
        if False in answers:
            return False
        return None if None in answers else True

    return combined


def check_filtered(
    contract: str,
    base: Sequence[Any],
    base_complete: bool,
    filtered: Sequence[Any],
    filtered_complete: bool,
    matches: Predicate,
    subject: str,
) -> list[Violation]:
    """``filtered`` (a walk with the filter) is exactly the items of ``base`` (the unfiltered
    walk, maybe only its first pages) that match, in the same order; items the predicate cannot
    judge may be in or out."""
    found: list[Violation] = []
    base_ids = [_id(i) for i in base]
    known = set(base_ids)
    got = [i for i in filtered if isinstance(i, dict)]
    for item in got:
        if matches(item) is False:
            found.append(
                Violation(
                    contract,
                    "the filter keeps an item that does not match it",
                    "only matching items",
                    _show(item),
                    subject,
                )
            )
        elif base_complete and _id(item) not in known:
            found.append(
                Violation(
                    contract,
                    "the filter returns an item the unfiltered list does not hold",
                    "items of the unfiltered list",
                    _show(item),
                    subject,
                )
            )
    if found:
        return found
    sure = {_id(i) for i in base if isinstance(i, dict) and matches(i) is True}
    expected = [i for i in base_ids if i in sure]
    kept = [_id(i) for i in got if _id(i) in sure]
    passed_prefix = filtered_complete or any(_id(i) not in known for i in got)
    if passed_prefix and set(kept) != set(expected):
        missing = [i for i in expected if i not in set(kept)]
        found.append(
            Violation(
                contract,
                "the filter leaves out matching items of the unfiltered list",
                f"{len(expected)} matching items",
                f"{len(missing)} missing, e.g. {missing[:3]}",
                subject,
            )
        )
    elif kept != [i for i in expected if i in set(kept)]:
        found.append(
            Violation(
                contract,
                "the filtered items are not in the unfiltered list's order",
                str(expected[:10]),
                str(kept[:10]),
                subject,
            )
        )
    return found


def comparable(left: Any, right: Any) -> int | None:
    """-1, 0 or 1 as ``left`` sorts before, with or after ``right`` under every reasonable
    collation; None when collations may disagree (text whose first difference is punctuation,
    other letters, or letters of different case)."""
    if left == right:
        return 0
    if isinstance(left, datetime) and isinstance(right, datetime):
        return -1 if left < right else 1
    if not isinstance(left, str) or not isinstance(right, str):
        return None
    for a, b in zip(left, right, strict=False):
        if a == b:
            continue
        if not (a.isascii() and b.isascii() and a.isalnum() and b.isalnum()):
            return None
        if a.isalpha() and b.isalpha() and a.islower() != b.islower():
            return None
        return -1 if a < b else 1
    return -1 if len(left) < len(right) else 1  # one is a prefix of the other


def check_sorted(
    contract: str,
    items: Sequence[Any],
    key: Callable[[dict], Any],
    descending: bool,
    subject: str,
) -> list[Violation]:
    """Each item sorts after (before, when ``descending``) the one before it; equal keys are
    in id order (ascending, or descending along with the key: the spec does not say)."""
    rows = [i for i in items if isinstance(i, dict)]
    tie_orders: set[int] = set()
    for before, after in zip(rows, rows[1:], strict=False):
        order = comparable(key(before), key(after))
        if order == 0:
            tie_orders.add(-1 if str(before.get("id")) < str(after.get("id")) else 1)
            continue
        if order is not None and order != (1 if descending else -1):
            return [
                Violation(
                    contract,
                    "the list is not in the order its sort asks for",
                    f"{'descending' if descending else 'ascending'} by the sort key",
                    f"{_show(before)} then {_show(after)}",
                    subject,
                )
            ]
    if len(tie_orders) > 1 or (not descending and tie_orders == {1}):
        return [
            Violation(
                contract,
                "items with equal sort keys are not in id order",
                "ties broken by id",
                f"ties ordered {sorted(tie_orders)}",
                subject,
            )
        ]
    return []


def _id(item: Any) -> Any:
    if not isinstance(item, dict):
        return repr(item)
    return item.get("id", item.get("asset_id"))


def _show(item: Any) -> str:
    if not isinstance(item, dict):
        return repr(item)[:200]
    keys = ("id", "asset_id", "external_id", "name", "symbol", "status", "created_at")
    return str({k: item[k] for k in keys if k in item})[:300]


def check_combined_lot_filters(
    contract: str,
    all_lots: Sequence[dict],
    filtered: Sequence[Any],
    query: dict[str, str],
    subject: str,
    unstable_ids: Collection[str] = (),
) -> list[Violation]:
    """Lot filters given together keep exactly the lots matching every one of them (of the
    unfiltered list, in its order); lots whose status may have moved are left out."""
    expected = [
        lot["id"]
        for lot in all_lots
        if lot["id"] not in unstable_ids
        and all(filters.lot_matches(lot, name, value) for name, value in query.items())
    ]
    observed = [
        lot.get("id")
        for lot in filtered
        if isinstance(lot, dict) and lot.get("id") not in unstable_ids
    ]
    if expected == observed:
        return []
    return [
        Violation(
            contract,
            "lot filters given together do not keep exactly the lots matching all of them",
            f"{len(expected)} lots: {expected[:5]}",
            f"{len(observed)} lots: {observed[:5]}",
            subject,
        )
    ]
