"""A model of the Scrip ledger that predicts every lot, balance and schedule figure exactly.

It is plain Python with no I/O: :class:`LedgerModel` is fed the same writes as the target,
each with its request time (D-CLOCK), and answers what every lot (amount, remaining, status,
reference_id, expires_at, matures_at, FIFO position), every balance and every expiration-schedule
figure must be, and what each write must answer (status, error code, amounts processed).
Amounts are ``Decimal`` at the asset's scale, never floats.

Lot identity: credits and split parts get ids the model cannot predict. The model gives them
placeholder ids; :func:`reconcile` matches a server's listing with the model's lots (known lots
by id, new lots by family, i.e. the credit they descend from, which shares ``created_at``, then
by content), reports every difference, and makes the model adopt the server's ids and
``created_at``. Callers reconcile after every write, so the next write's ``lot_ids`` and the
D-ORDER tie-break (``created_at``, then ``id``) use the server's own ids.
"""

from scrip_conformance.model.amounts import AmountError, format_amount, parse_amount
from scrip_conformance.model.ledger import (
    AVAILABLE,
    CONSUMED,
    DEFERRED,
    EXPIRED,
    HELD,
    LOT,
    SIMPLE,
    Balance,
    LedgerModel,
    LotView,
    Outcome,
)
from scrip_conformance.model.reconcile import LotMismatch, reconcile
from scrip_conformance.model.schedule import Schedule, ScheduleBucket, expiration_schedule

__all__ = [
    "AVAILABLE",
    "CONSUMED",
    "DEFERRED",
    "EXPIRED",
    "HELD",
    "LOT",
    "SIMPLE",
    "AmountError",
    "Balance",
    "LedgerModel",
    "LotMismatch",
    "LotView",
    "Outcome",
    "Schedule",
    "ScheduleBucket",
    "expiration_schedule",
    "format_amount",
    "parse_amount",
    "reconcile",
]
