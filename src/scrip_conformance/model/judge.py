"""Compare what a target answered with what the model predicts: parsed JSON in, violations out.

Pure functions, no I/O: the caller attaches the request's curl line to each violation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from scrip_conformance.model.amounts import format_amount
from scrip_conformance.model.calendar import parse_timestamp
from scrip_conformance.model.ledger import Balance, LedgerModel, Outcome
from scrip_conformance.model.reconcile import reconcile
from scrip_conformance.model.schedule import Schedule
from scrip_conformance.violations import Violation


def _dec(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except (InvalidOperation, ValueError):
        return None


def _brief(body: Any, limit: int = 300) -> str:
    text = repr(body)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def outcome_violations(
    contract_id: str,
    expected: Outcome,
    status: int,
    body: Any,
    scale: int,
    subject: str = "",
) -> list[Violation]:
    """The answer's status, error code, processed amounts and balance against the model's."""
    if expected.ok and status != 200 or not expected.ok and status != expected.status:
        want = "200" if expected.ok else f"{expected.status} {expected.code}"
        return [
            Violation(
                contract_id,
                "the write was answered with another status than the model predicts",
                want,
                f"{status} {_brief(body)}",
                subject,
            )
        ]
    if not isinstance(body, Mapping):
        return [
            Violation(
                contract_id, "the answer is not a JSON object", "an object", _brief(body), subject
            )
        ]
    found: list[Violation] = []
    if not expected.ok:
        if body.get("code") != expected.code:
            found.append(
                Violation(
                    contract_id,
                    "the error code differs from the model's",
                    str(expected.code),
                    _brief(body.get("code")),
                    subject,
                )
            )
        return found
    if expected.amount_processed is not None and "amount_processed" in body:
        got = _dec(body.get("amount_processed"))
        if got != expected.amount_processed:
            found.append(
                Violation(
                    contract_id,
                    "amount_processed differs from the model's",
                    format_amount(expected.amount_processed, scale),
                    _brief(body.get("amount_processed")),
                    subject,
                )
            )
    if expected.lots_processed is not None and "lots_processed" in body:
        want_lots = [(i, format_amount(a, scale)) for i, a in expected.lots_processed]
        rows = body.get("lots_processed") or []
        got_rows = [
            (str(r.get("id")), r.get("amount")) if isinstance(r, Mapping) else r for r in rows
        ]
        comparable = [(i, _dec(a)) for i, a in got_rows if isinstance((i, a), tuple)]
        if comparable != [(i, a) for i, a in expected.lots_processed]:
            found.append(
                Violation(
                    contract_id,
                    "lots_processed differs from the model's (per source lot, oldest first)",
                    _brief(want_lots),
                    _brief(got_rows),
                    subject,
                )
            )
    if expected.balance is not None:
        found += balance_violations(
            contract_id,
            expected.balance,
            body.get("balance"),
            scale,
            subject or "balance in the write's answer",
        )
    return found


def balance_violations(
    contract_id: str, expected: Balance, observed: Any, scale: int, subject: str = ""
) -> list[Violation]:
    """A balance row (available, held, deferred) against the model's, by value."""
    want = expected.wire(scale)
    if not isinstance(observed, Mapping):
        return [
            Violation(contract_id, "no balance figures", _brief(want), _brief(observed), subject)
        ]
    got = {k: observed.get(k) for k in want}
    if any(_dec(got[k]) != Decimal(want[k]) for k in want):
        return [
            Violation(
                contract_id, "balance differs from the model's", _brief(want), _brief(got), subject
            )
        ]
    return []


def lot_violations(
    contract_id: str,
    model: LedgerModel,
    participant_id: str,
    asset_id: str,
    server_lots: Sequence[Mapping[str, Any]],
    now: datetime,
) -> list[Violation]:
    """Every lot against the model (content and FIFO order); the model adopts server ids."""
    return [
        Violation(
            contract_id,
            f"lot {m.field} differs from the model's"
            if m.field != "presence"
            else "the lots listed differ from the model's",
            m.expected,
            m.observed,
            m.subject,
        )
        for m in reconcile(model, participant_id, asset_id, server_lots, now)
    ]


def schedule_violations(contract_id: str, expected: Schedule, row: Any) -> list[Violation]:
    """One asset row of the expiration schedule against the model's, down to every bucket."""
    if not isinstance(row, Mapping):
        return [
            Violation(
                contract_id,
                "no schedule row for the asset",
                "a row",
                _brief(row),
                f"asset {expected.asset_id}",
            )
        ]
    want = expected.wire_figures()
    found = []
    subject = f"asset {expected.asset_id}"
    for name in (
        "never_expiring",
        "expiring_before_window",
        "expiring_after_window",
        "total_outstanding",
    ):
        if _dec(row.get(name)) != Decimal(str(want[name])):
            found.append(
                Violation(
                    contract_id,
                    f"{name} differs from the model's",
                    str(want[name]),
                    _brief(row.get(name)),
                    subject,
                )
            )
    got_buckets: list[tuple[Any, ...]] = []  # a bucket that cannot be read is kept, as such
    for b in row.get("buckets") or []:
        try:
            got_buckets.append(
                (
                    parse_timestamp(b["bucket_start"]),
                    parse_timestamp(b["bucket_end"]),
                    _dec(b.get("amount")),
                    b.get("lot_count"),
                )
            )
        except (KeyError, TypeError, ValueError):
            got_buckets.append(("unreadable", _brief(b)))
    want_buckets = [(b.bucket_start, b.bucket_end, b.amount, b.lot_count) for b in expected.buckets]
    if got_buckets != want_buckets:
        found.append(
            Violation(
                contract_id,
                "schedule buckets differ from the model's",
                _show_buckets(want_buckets, expected.scale),
                _show_buckets(got_buckets, expected.scale),
                subject,
            )
        )
    return found


def _show_buckets(rows: list, scale: int) -> str:
    parts = []
    for r in rows:
        if len(r) == 4 and isinstance(r[0], datetime):
            start, end, amount, count = r
            shown = format_amount(amount, scale) if isinstance(amount, Decimal) else amount
            parts.append(f"[{start:%Y-%m-%dT%H:%M:%SZ}, {end:%Y-%m-%dT%H:%M:%SZ}) {shown} x{count}")
        else:
            parts.append(str(r))
    return "; ".join(parts) or "no buckets"
