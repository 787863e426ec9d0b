"""Participant balances and counters (BALANCE-*, PARTICIPANT-*): at scale, and equal to the lots.

D-OVERDRAFT: ``held`` and ``deferred`` are the sums of HELD and DEFERRED lots' remaining;
``available`` is the sum of AVAILABLE lots' remaining when >= 0, and when it is negative no
AVAILABLE lot holds anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from scrip_conformance.invariants import amounts
from scrip_conformance.invariants._common import show, violation
from scrip_conformance.violations import Violation

BUCKETS = ("available", "held", "deferred")


def check_row_scale(row: Any, scale: int, subject: str = "") -> list[Violation]:
    """BALANCE-AT-SCALE: each figure at the asset's scale; only ``available`` may be negative."""
    if not isinstance(row, dict):
        return []
    found = []
    for bucket in BUCKETS:
        text = row.get(bucket)
        if not amounts.is_at_scale(text, scale, signed=(bucket == "available")):
            found.append(
                violation(
                    "BALANCE-AT-SCALE",
                    f"balance {bucket} is not a decimal string at the asset's scale",
                    f"a decimal string with exactly {scale} fraction digits"
                    + ("" if bucket == "available" else ", never negative"),
                    f"{bucket} = {show(text)}",
                    subject or f"asset {row.get('asset_id')}",
                )
            )
    return found


def check_row_consistent_scale(row: Any, subject: str = "") -> list[Violation]:
    """In isolation (scale unknown): the three figures of a row share one scale."""
    if not isinstance(row, dict):
        return []
    digits = {amounts.fraction_digits(row.get(b)) for b in BUCKETS}
    if None in digits or len(digits) != 1:
        return [
            violation(
                "BALANCE-AT-SCALE",
                "balance figures are not decimal strings at one scale",
                "available, held and deferred with the same number of fraction digits",
                show({b: row.get(b) for b in BUCKETS}),
                subject or f"asset {row.get('asset_id')}",
            )
        ]
    return []


def lot_sums(lots: Sequence[dict]) -> dict[str, Decimal]:
    """Sum of remaining per balance bucket, from a participant's lots of one asset."""
    sums = {b: Decimal(0) for b in BUCKETS}
    for lot in lots:
        bucket = str(lot.get("status", "")).lower()
        if bucket in sums:
            sums[bucket] += amounts.parse(lot.get("remaining")) or Decimal(0)
    return sums


def check_matches_lots(
    row: dict, lots: Sequence[dict], scale: int, subject: str = ""
) -> list[Violation]:
    """BALANCE-EQUALS-LOT-SUMS for one participant and one LOT asset (all its lots given)."""
    return check_matches_sums(row, lot_sums(lots), scale, subject)


def check_matches_sums(
    row: dict, sums: dict[str, Decimal], scale: int, subject: str = ""
) -> list[Violation]:
    """BALANCE-EQUALS-LOT-SUMS from the lots' sums per bucket (:func:`lot_sums` of every lot of
    the participant and asset, folded page by page)."""
    found = []
    for bucket in ("held", "deferred"):
        figure = amounts.parse(row.get(bucket))
        if figure is not None and figure != sums[bucket]:
            found.append(_sum_breach(bucket, sums[bucket], row.get(bucket), scale, subject))
    available = amounts.parse(row.get("available"))
    if available is not None:
        if available >= 0 and available != sums["available"]:
            found.append(
                _sum_breach("available", sums["available"], row.get("available"), scale, subject)
            )
        if available < 0 and sums["available"] != 0:
            found.append(
                violation(
                    "BALANCE-EQUALS-LOT-SUMS",
                    "overdrawn balance while AVAILABLE lots still hold value",
                    "no AVAILABLE lot with remaining > 0 when available < 0 (D-OVERDRAFT)",
                    f"available = {row.get('available')}, AVAILABLE lots hold "
                    f"{amounts.render(sums['available'], scale)}",
                    subject,
                )
            )
    return found


def _sum_breach(
    bucket: str, expected: Decimal, observed: Any, scale: int, subject: str
) -> Violation:
    return violation(
        "BALANCE-EQUALS-LOT-SUMS",
        f"balance {bucket} differs from the sum of the {bucket.upper()} lots",
        f"{bucket} = {amounts.render(expected, scale)} (sum of {bucket.upper()} lots' remaining)",
        f"{bucket} = {observed}",
        subject,
    )


def check_counters(participant: Any) -> list[Violation]:
    """PARTICIPANT-COUNTERS-ARE-STRINGS: every counter is a decimal string, never a number."""
    if not isinstance(participant, dict) or not isinstance(participant.get("counters"), dict):
        return []
    found = []
    for name, value in participant["counters"].items():
        if amounts.parse(value) is None:
            found.append(
                violation(
                    "PARTICIPANT-COUNTERS-ARE-STRINGS",
                    "counter is not a decimal string",
                    'a decimal string such as "42" (counters are strings for precision)',
                    f"counters.{name} = {show(value)}",
                    f"participant {participant.get('id')}",
                )
            )
    return found


def check_rows_sorted(rows: Sequence[Any], subject: str = "") -> list[Violation]:
    """BALANCE-ROWS-SORTED: one row per asset, ordered by asset_id ascending."""
    ids = [r.get("asset_id") for r in rows if isinstance(r, dict)]
    texts = [i for i in ids if isinstance(i, str)]
    if len(texts) == len(ids) and texts != sorted(set(texts)):
        return [
            violation(
                "BALANCE-ROWS-SORTED",
                "balance rows are not one per asset in asset_id order",
                "asset_id strictly ascending",
                ", ".join(map(str, ids[:10])),
                subject,
            )
        ]
    return []


def check_list_equals_detail(
    listed: Sequence[dict], detail: Sequence[dict], subject: str = ""
) -> list[Violation]:
    """BALANCES-LIST-EQUALS-DETAIL: the balances endpoint and the participant agree row for row."""

    def key(rows):
        return [{k: r.get(k) for k in ("asset_id", *BUCKETS)} for r in rows if isinstance(r, dict)]

    if key(listed) != key(detail):
        return [
            violation(
                "BALANCES-LIST-EQUALS-DETAIL",
                "the balances list differs from the participant's inline balances",
                show(key(detail)),
                show(key(listed)),
                subject,
            )
        ]
    return []
