"""What the ledger model holds and how a holding follows the clock: balances, lots, outcomes,
one participant's position in one asset, maturities and expiries, overdraft settlement.

Pure data and rules, no I/O; :class:`~scrip_conformance.model.ledger.LedgerModel` applies the
writes on top of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from scrip_conformance.model.amounts import format_amount
from scrip_conformance.model.calendar import as_utc

AVAILABLE, HELD, DEFERRED = "AVAILABLE", "HELD", "DEFERRED"
CONSUMED, EXPIRED = "CONSUMED", "EXPIRED"
LIVE = (AVAILABLE, HELD, DEFERRED)
LOT, SIMPLE = "LOT", "SIMPLE"
PLACEHOLDER_PREFIX = "model-"


@dataclass(frozen=True)
class Balance:
    """A participant's balance in one asset (``available`` negative only after an overdraft)."""

    available: Decimal
    held: Decimal
    deferred: Decimal

    def wire(self, scale: int) -> dict[str, str]:
        return {
            "available": format_amount(self.available, scale),
            "held": format_amount(self.held, scale),
            "deferred": format_amount(self.deferred, scale),
        }


@dataclass(frozen=True)
class LotView:
    """A lot as the API shows it (ids are the server's once adopted, see ``reconcile``)."""

    id: str
    amount: Decimal
    remaining: Decimal
    status: str
    reference_id: str | None
    expires_at: datetime | None
    matures_at: datetime | None
    created_at: datetime
    family: int


@dataclass(frozen=True)
class Outcome:
    """What the API answers to one write: a status, an error code or the processed figures."""

    status: int
    code: str | None = None
    amount_processed: Decimal | None = None
    lots_processed: tuple[tuple[str, Decimal], ...] | None = None
    balance: Balance | None = None
    replayed: bool = False

    @property
    def ok(self) -> bool:
        return self.status == 200


def refused(status: int, code: str) -> Outcome:
    """The answer to a write the API refuses."""
    return Outcome(status=status, code=code)


@dataclass
class Lot:
    """A lot as the model tracks it (mutable: operations move, split and consume it)."""

    id: str
    family: int
    program_id: str
    amount: Decimal
    remaining: Decimal
    status: str
    created_at: datetime
    reference_id: str | None = None
    expires_at: datetime | None = None
    matures_at: datetime | None = None
    provisional: bool = False

    def key(self) -> tuple[int, str]:
        return (self.family, self.id)

    def view(self) -> LotView:
        return LotView(
            id=self.id,
            amount=self.amount,
            remaining=self.remaining,
            status=self.status,
            reference_id=self.reference_id,
            expires_at=self.expires_at,
            matures_at=self.matures_at,
            created_at=self.created_at,
            family=self.family,
        )


@dataclass
class AssetState:
    """What the model knows of an asset."""

    id: str
    inventory_mode: str
    scale: int
    max_transaction_amount: Decimal | None = None
    archived: bool = False
    name: str = ""
    symbol: str = ""


@dataclass
class Position:
    """One participant's holding of one asset: lots (LOT) or plain figures (SIMPLE)."""

    lots: list[Lot] = field(default_factory=list)
    overdraft: Decimal = Decimal(0)
    simple_available: Decimal = Decimal(0)
    simple_held: Decimal = Decimal(0)

    def ordered(self, status: str | None = None) -> list[Lot]:
        lots = sorted(self.lots, key=Lot.key)
        return [lot for lot in lots if status is None or lot.status == status]


def follow_clock(pos: Position, now: datetime) -> None:
    """Apply maturities (at or before now) and expiries (strictly before now) in time order."""
    events = []
    for lot in pos.lots:
        if lot.status == DEFERRED and lot.matures_at and as_utc(lot.matures_at) <= now:
            events.append((as_utc(lot.matures_at), 0, lot.key(), lot))
        if lot.status in LIVE and lot.expires_at and as_utc(lot.expires_at) < now:
            events.append((as_utc(lot.expires_at), 1, lot.key(), lot))
    for _when, kind, _key, lot in sorted(events, key=lambda e: e[:3]):
        if lot.status not in LIVE:
            continue
        if kind == 0 and lot.status == DEFERRED:
            lot.status = AVAILABLE
            settle(pos, [lot])
        elif kind == 1:
            lot.status = EXPIRED
            lot.remaining = Decimal(0)


def settle(pos: Position, entered: Iterable[Lot]) -> None:
    """Value entering AVAILABLE settles an overdraft first, oldest lot first (D-OVERDRAFT)."""
    for lot in sorted(entered, key=Lot.key):
        if pos.overdraft <= 0:
            return
        take = min(pos.overdraft, lot.remaining)
        lot.remaining -= take
        pos.overdraft -= take
        if lot.remaining == 0:
            lot.status = CONSUMED


def selected_lots(
    pos: Position,
    source: str | None,
    operation: str,
    lot_ids: Sequence[str] | None,
    earned_from: datetime | None,
    earned_to: datetime | None,
    reference_id: str | None,
) -> list[Lot]:
    """The lots of ``source`` an operation may take from, oldest first (D-LOT-SELECTION)."""
    return [
        lot
        for lot in pos.ordered(source)
        if lot.remaining > 0
        and (lot_ids is None or lot.id in lot_ids)
        and (earned_from is None or lot.created_at >= as_utc(earned_from))
        and (earned_to is None or lot.created_at <= as_utc(earned_to))
        and (operation == "hold" or reference_id is None or lot.reference_id == reference_id)
        and (operation != "void-hold" or lot.provisional)
    ]
