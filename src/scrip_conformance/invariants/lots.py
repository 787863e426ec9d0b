"""Invariants of one lot and of a list of lots (LOT-* contracts): scale, bounds, status, order."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from scrip_conformance.invariants import amounts, timestamps
from scrip_conformance.invariants._common import show, violation
from scrip_conformance.violations import Violation

OUTSTANDING_STATUSES = frozenset({"AVAILABLE", "HELD", "DEFERRED"})
FINAL_STATUSES = frozenset({"CONSUMED", "EXPIRED"})


def lot_subject(lot: Any) -> str:
    return f"lot {lot.get('id')}" if isinstance(lot, dict) else "lot"


def check_lot(
    lot: Any,
    *,
    scale: int | None = None,
    asset_id: str | None = None,
    now: datetime | None = None,
    skew: timedelta = timedelta(0),
) -> list[Violation]:
    """Every single-lot contract that the given context allows to judge.

    ``scale`` enables the exact-scale check (without it only a consistent number of fraction
    digits is required), ``asset_id`` the ownership check, ``now`` the clock checks (D-CLOCK),
    tolerant by ``skew`` either way.
    """
    if not isinstance(lot, dict):
        return [
            violation("LOT-AMOUNT-AT-SCALE", "lot is not an object", "a JSON object", show(lot))
        ]
    found: list[Violation] = []
    subject = lot_subject(lot)
    amount_text, remaining_text = lot.get("amount"), lot.get("remaining")
    if scale is not None:
        for name, text in (("amount", amount_text), ("remaining", remaining_text)):
            if not amounts.is_at_scale(text, scale):
                found.append(
                    violation(
                        "LOT-AMOUNT-AT-SCALE",
                        f"lot {name} is not a decimal string at the asset's scale",
                        f"a non-negative decimal string with exactly {scale} fraction digits",
                        f"{name} = {show(text)}",
                        subject,
                    )
                )
    else:
        digits = {amounts.fraction_digits(t) for t in (amount_text, remaining_text)}
        if None in digits or len(digits) != 1:
            found.append(
                violation(
                    "LOT-AMOUNT-AT-SCALE",
                    "lot amount and remaining are not decimal strings at one scale",
                    "amount and remaining with the same number of fraction digits",
                    f"amount = {show(amount_text)}, remaining = {show(remaining_text)}",
                    subject,
                )
            )
    amount, remaining = amounts.parse(amount_text), amounts.parse(remaining_text)
    if amount is not None and remaining is not None and not (0 <= remaining <= amount):
        found.append(
            violation(
                "LOT-REMAINING-LE-AMOUNT",
                "lot remaining is outside 0..amount",
                f"0 <= remaining <= amount ({amount_text})",
                f"remaining = {remaining_text}",
                subject,
            )
        )
    status = lot.get("status")
    if status in FINAL_STATUSES and remaining is not None and remaining != 0:
        found.append(
            violation(
                "LOT-FINAL-HOLDS-NOTHING",
                f"{status} lot still holds value",
                f"remaining zero for a {status} lot (D-LOT-FINAL)",
                f"remaining = {remaining_text}",
                subject,
            )
        )
    if asset_id is not None and lot.get("asset_id") != asset_id:
        found.append(
            violation(
                "LOT-BELONGS-TO-ASSET",
                "lot of another asset in the list of this asset's lots",
                f"asset_id = {asset_id}",
                f"asset_id = {show(lot.get('asset_id'))}",
                subject,
            )
        )
    if now is not None:
        found += _check_clock(lot, status, now, skew, subject)
    return found


def _check_clock(
    lot: dict, status: Any, now: datetime, skew: timedelta, subject: str
) -> list[Violation]:
    expires = timestamps.parse(lot.get("expires_at"))
    matures = timestamps.parse(lot.get("matures_at"))
    shown = (
        f"status {status}, expires_at {lot.get('expires_at')}, matures_at {lot.get('matures_at')}"
    )
    when = f"at request time {timestamps.format_z(now)} (tolerance {skew.total_seconds():g}s)"

    def breach(expected: str) -> Violation:
        return violation(
            "LOT-STATUS-MATCHES-CLOCK",
            "lot status disagrees with its dates",
            expected,
            f"{shown} {when}",
            subject,
        )

    found = []
    if status in OUTSTANDING_STATUSES and expires is not None and expires < now - skew:
        found.append(breach("EXPIRED (or CONSUMED) once expires_at has passed (D-CLOCK)"))
    if status == "EXPIRED" and (expires is None or expires > now + skew):
        found.append(breach("EXPIRED only for a lot whose expires_at has passed"))
    if status == "DEFERRED" and (matures is None or matures <= now - skew):
        found.append(breach("not DEFERRED once matures_at has passed (or without matures_at)"))
    if status == "AVAILABLE" and matures is not None and matures > now + skew:
        found.append(breach("DEFERRED while matures_at is in the future (D-LOT-CREDIT)"))
    return found


def check_order(lots: Iterable[Any], subject: str = "") -> list[Violation]:
    """LOT-ORDER-OLDEST-FIRST: ``created_at`` ascending, ties by ``id`` ascending (D-ORDER)."""
    previous = None
    for lot in lots:
        if not isinstance(lot, dict):
            continue
        created = timestamps.parse(lot.get("created_at"))
        if created is None:
            previous = None
            continue
        key = (created, str(lot.get("id")))
        if previous is not None and key <= previous[0]:
            return [
                violation(
                    "LOT-ORDER-OLDEST-FIRST",
                    "lots are not listed oldest first",
                    "created_at ascending, ties broken by id ascending (D-ORDER)",
                    f"{previous[1]} listed before lot {lot.get('id')} "
                    f"(created_at {lot.get('created_at')})",
                    subject,
                )
            ]
        previous = (key, f"lot {lot.get('id')} (created_at {lot.get('created_at')})")
    return []


def is_outstanding(lot: dict) -> bool:
    """AVAILABLE, HELD or DEFERRED with something remaining: what the schedule counts."""
    remaining = amounts.parse(lot.get("remaining"))
    return lot.get("status") in OUTSTANDING_STATUSES and remaining is not None and remaining > 0


def remaining_of(lot: dict) -> Decimal:
    return amounts.parse(lot.get("remaining")) or Decimal(0)


def clock_sensitive(lot: dict, start: datetime, end: datetime, skew: timedelta) -> bool:
    """True when the lot's expiry or maturity falls while it was being observed (its status
    may legitimately differ between two requests made between ``start`` and ``end``)."""
    for field in ("expires_at", "matures_at"):
        moment = timestamps.parse(lot.get(field))
        if moment is not None and start - skew <= moment <= end + skew:
            return True
    return False
