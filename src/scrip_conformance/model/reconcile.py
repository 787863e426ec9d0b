"""Match the lots a server lists with the model's, report every difference, adopt server ids.

The model cannot predict the ids a server gives to new lots (credits and split parts). After
each step the server's lots are matched to the model's: lots already known by id, new lots by
family (a credit and every part split from it share ``created_at``) and then by content. The
model then adopts the server's ids and creation times, so later ``lot_ids`` and the tie-break
of D-ORDER (``created_at``, then ``id``) use the server's values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from scrip_conformance.model.amounts import format_amount
from scrip_conformance.model.calendar import parse_timestamp
from scrip_conformance.model.ledger import LedgerModel, LotView

FIELDS = ("amount", "remaining", "status", "reference_id", "expires_at", "matures_at")


@dataclass(frozen=True)
class LotMismatch:
    """One difference between the predicted and the listed lots."""

    subject: str
    field: str
    expected: str
    observed: str


def _amount(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _when(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_timestamp(str(value))
    except ValueError:
        return None


def _content(lot: Mapping[str, Any]) -> tuple:
    return (
        _amount(lot.get("amount")),
        _amount(lot.get("remaining")),
        lot.get("status"),
        lot.get("reference_id"),
        _when(lot.get("expires_at")),
        _when(lot.get("matures_at")),
    )


def _model_content(lot: LotView) -> tuple:
    return (lot.amount, lot.remaining, lot.status, lot.reference_id, lot.expires_at, lot.matures_at)


def _show(value: Any, scale: int) -> str:
    if isinstance(value, Decimal):
        return format_amount(value, scale)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return "null" if value is None else str(value)


def describe(lot: LotView, scale: int) -> str:
    """A one-line rendering of a predicted lot."""
    values = zip(FIELDS, _model_content(lot), strict=True)
    return ", ".join(f"{n}={_show(v, scale)}" for n, v in values)


def reconcile(
    model: LedgerModel,
    participant_id: str,
    asset_id: str,
    server_lots: Sequence[Mapping[str, Any]],
    now: datetime,
) -> list[LotMismatch]:
    """Differences between the model's lots and ``server_lots`` (all statuses, server order).

    Adopts the server's ids and ``created_at`` for every matched lot, whatever the outcome.
    """
    scale = model.scale(asset_id)
    expected = model.lots(participant_id, asset_id, now)
    pairs = _pair(expected, server_lots)
    mismatches = _differences(expected, server_lots, pairs, scale)
    ids = {m: str(s.get("id")) for m, s in pairs.items()}
    times = {m: t for m, s in pairs.items() if (t := _when(s.get("created_at"))) is not None}
    model.rebind(participant_id, asset_id, ids, times)
    order_expected = [lot.id for lot in model.lots(participant_id, asset_id, now)]
    order_observed = [str(s.get("id")) for s in server_lots if str(s.get("id")) in ids.values()]
    order_expected = [i for i in order_expected if i in set(order_observed)]
    if order_expected != order_observed:
        mismatches.append(
            LotMismatch(
                "lot order",
                "order",
                "created_at ascending, ties by id: " + ", ".join(order_expected),
                ", ".join(order_observed),
            )
        )
    return mismatches


def _pair(
    expected: Sequence[LotView], server_lots: Sequence[Mapping[str, Any]]
) -> dict[str, Mapping[str, Any]]:
    """Model lot id -> the server lot it is: by id, then by family (the credit a lot descends
    from shares its ``created_at``), then by content, then by amount."""
    server_by_id = {str(s.get("id")): s for s in server_lots}
    pairs: dict[str, Mapping[str, Any]] = {}
    taken: set[str] = set()
    for lot in expected:
        if lot.id in server_by_id:
            pairs[lot.id] = server_by_id[lot.id]
            taken.add(lot.id)
    family_time: dict[int, datetime | None] = {
        lot.family: _when(pairs[lot.id].get("created_at")) for lot in expected if lot.id in pairs
    }
    free = [s for s in server_lots if str(s.get("id")) not in taken]
    new_families = sorted({lot.family for lot in expected if lot.family not in family_time})
    known_times = set(family_time.values())
    fresh_times = sorted(
        {t for s in free if (t := _when(s.get("created_at"))) is not None and t not in known_times}
    )
    family_time.update(zip(new_families, fresh_times, strict=False))
    for lot in expected:
        if lot.id in pairs:
            continue
        when = family_time.get(lot.family)
        candidates = [
            s for s in free if str(s.get("id")) not in taken and _when(s.get("created_at")) == when
        ]
        if not candidates:
            continue
        exact = [s for s in candidates if _content(s) == _model_content(lot)]
        same_amount = [s for s in candidates if _amount(s.get("amount")) == lot.amount]
        chosen = (exact or same_amount or candidates)[0]
        pairs[lot.id] = chosen
        taken.add(str(chosen.get("id")))

    return pairs


def _differences(
    expected: Sequence[LotView],
    server_lots: Sequence[Mapping[str, Any]],
    pairs: dict[str, Mapping[str, Any]],
    scale: int,
) -> list[LotMismatch]:
    """Every model lot without its server lot, every field that differs, every server lot no
    model lot is."""
    taken = {str(s.get("id")) for s in pairs.values()}
    mismatches: list[LotMismatch] = []
    for position, lot in enumerate(expected, start=1):
        server = pairs.get(lot.id)
        if server is None:
            mismatches.append(
                LotMismatch(
                    f"lot #{position}", "presence", describe(lot, scale), "no such lot listed"
                )
            )
            continue
        observed = _content(server)
        for name, want, got in zip(FIELDS, _model_content(lot), observed, strict=True):
            if want != got:
                mismatches.append(
                    LotMismatch(
                        f"lot #{position} {server.get('id')}",
                        name,
                        _show(want, scale),
                        f"{server.get(name)!r}",
                    )
                )
    for server in server_lots:
        if str(server.get("id")) not in taken:
            mismatches.append(
                LotMismatch(f"lot {server.get('id')}", "presence", "no such lot", _brief(server))
            )

    return mismatches


def _brief(server: Mapping[str, Any]) -> str:
    return ", ".join(f"{n}={server.get(n)!r}" for n in FIELDS)
