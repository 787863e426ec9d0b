"""Lot filters of ``listParticipantLots`` (FILTER-LOT-*): each keeps exactly the matching lots.

The spec's decision: ``expires_before`` and ``expires_after`` are strict and leave out lots
without ``expires_at``; ``status`` and ``reference_id`` are exact matches.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from scrip_conformance.invariants import timestamps
from scrip_conformance.invariants._common import violation
from scrip_conformance.violations import Violation

FILTER_CONTRACTS = {
    "status": "FILTER-LOT-STATUS",
    "reference_id": "FILTER-LOT-REFERENCE-ID",
    "expires_before": "FILTER-LOT-EXPIRES-BEFORE",
    "expires_after": "FILTER-LOT-EXPIRES-AFTER",
}


def lot_matches(lot: dict, name: str, value: str) -> bool:
    """Whether ``lot`` belongs in the answer to ``name=value`` (per the spec's decisions)."""
    if name == "status":
        return lot.get("status") == value
    if name == "reference_id":
        return lot.get("reference_id") == value
    bound = timestamps.parse(value)
    expires = timestamps.parse(lot.get("expires_at"))
    if bound is None or expires is None:
        return False
    if name == "expires_before":
        return expires < bound
    if name == "expires_after":
        return expires > bound
    raise ValueError(f"unknown lot filter {name!r}")


def check_every_lot_matches(lots: Sequence[Any], filters: dict[str, str]) -> list[Violation]:
    """In isolation: every lot of a filtered answer matches each filter given."""
    found = []
    for name, value in filters.items():
        if name not in FILTER_CONTRACTS or (
            name.startswith("expires_") and timestamps.parse(value) is None
        ):
            continue
        for lot in lots:
            if isinstance(lot, dict) and not lot_matches(lot, name, value):
                found.append(
                    violation(
                        FILTER_CONTRACTS[name],
                        f"lot does not match the {name} filter",
                        _matching(name, value),
                        f"status {lot.get('status')}, reference_id {lot.get('reference_id')}, "
                        f"expires_at {lot.get('expires_at')}",
                        f"lot {lot.get('id')}",
                    )
                )
    return found


def check_filter_result(
    all_lots: Sequence[dict],
    filtered: Sequence[dict],
    name: str,
    value: str,
    *,
    unstable_ids: Collection[str] = (),
) -> list[Violation]:
    """The filtered answer is exactly the matching lots of the unfiltered list, in its order.

    Lots in ``unstable_ids`` (whose status may have changed between the two requests) are
    ignored on both sides.
    """
    contract = FILTER_CONTRACTS[name]
    expected = [
        lot["id"]
        for lot in all_lots
        if lot["id"] not in unstable_ids and lot_matches(lot, name, value)
    ]
    observed = [lot.get("id") for lot in filtered if lot.get("id") not in unstable_ids]
    if expected == observed:
        return []
    missing = [i for i in expected if i not in observed]
    extra = [i for i in observed if i not in expected]
    detail = []
    if missing:
        detail.append(f"missing {len(missing)}: {', '.join(map(str, missing[:5]))}")
    if extra:
        detail.append(f"not matching {len(extra)}: {', '.join(map(str, extra[:5]))}")
    if not detail:
        detail.append("same lots in another order")
    return [
        violation(
            contract,
            f"{name}={value} does not return exactly the matching lots",
            f"{len(expected)} lots ({_matching(name, value)}), in list order",
            f"{len(observed)} lots; " + "; ".join(detail),
        )
    ]


def _matching(name: str, value: str) -> str:
    if name == "expires_before":
        return f"expires_at < {value} (strict; lots without expiry left out)"
    if name == "expires_after":
        return f"expires_at > {value} (strict; lots without expiry left out)"
    return f"{name} == {value}"
