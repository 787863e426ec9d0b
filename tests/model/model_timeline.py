"""Ids and request times shared by the ledger model's specification tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

T0 = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)
P, A, PROG = "participant-1", "asset-lot2", "program-1"


def at(seconds: float) -> datetime:
    """A request time ``seconds`` after T0."""
    return T0 + timedelta(seconds=seconds)
