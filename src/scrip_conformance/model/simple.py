"""SIMPLE assets in the model: plain available and held figures, no lots (no expiry, no FIFO)."""

from __future__ import annotations

from decimal import Decimal

from scrip_conformance.model.positions import AVAILABLE, Balance, Outcome, Position, refused


def simple_balance(pos: Position) -> Balance:
    """The balance of a SIMPLE position (never anything deferred)."""
    return Balance(pos.simple_available, pos.simple_held, Decimal(0))


def adjust_simple(
    pos: Position,
    type: str,
    value: Decimal,
    bucket: str,
    allow_negative: bool,
) -> Outcome:
    """An adjust of a SIMPLE asset: credit or debit one figure (below zero only when allowed)."""
    attr = "simple_available" if bucket == AVAILABLE else "simple_held"
    current = getattr(pos, attr)
    if type == "CREDIT":
        setattr(pos, attr, current + value)
    else:
        if value > current and not allow_negative:
            return refused(422, "insufficient_balance")
        setattr(pos, attr, current - value)
    return Outcome(200, amount_processed=value, balance=simple_balance(pos))


def simple_operation(
    pos: Position,
    operation: str,
    value: Decimal | None,
    bucket: str | None,
) -> Outcome:
    """hold, release or forfeit on a SIMPLE asset: move or remove value between the figures."""
    if operation == "hold":
        have = max(pos.simple_available, Decimal(0))
    elif operation == "release":
        have = pos.simple_held
    else:
        have = max(pos.simple_available if bucket == AVAILABLE else pos.simple_held, Decimal(0))
    if value is not None and value > have:
        return refused(422, "insufficient_balance")
    moved = have if value is None else value
    if operation == "hold":
        pos.simple_available -= moved
        pos.simple_held += moved
    elif operation == "release":
        pos.simple_held -= moved
        pos.simple_available += moved
    elif bucket == AVAILABLE:
        pos.simple_available -= moved
    else:
        pos.simple_held -= moved
    return Outcome(200, amount_processed=moved, lots_processed=None, balance=simple_balance(pos))
