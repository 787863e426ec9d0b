"""The domain of the reference server: every operation of the spec, on a :class:`Store`.

The HTTP layer (``app.py``) validates the request shape against the spec and calls one public
method per operation of :class:`Ledger`; everything else happens in small named steps that a
subclass can override (the fault-injection seam of the known-bad variants, see the package
docstring). The steps live in one module per concern, each a layer on the one before it:
``base`` -> ``pagination`` -> ``lot_status`` -> ``lot_selection`` -> ``balances`` ->
``idempotency`` -> ``entities`` -> ``reads`` -> ``balance_operations`` -> ``reports``.
"""

from __future__ import annotations

from decimal import Decimal

from scrip_conformance.reference.base import ONE_MICRO, exact_sum, new_id, utc_now
from scrip_conformance.reference.lot_status import LOT_STATUSES
from scrip_conformance.reference.reports import BUCKET_RANK, MAX_PERIODS, Reports

__all__ = [
    "BUCKET_RANK",
    "LOT_STATUSES",
    "MAX_PERIODS",
    "ONE_MICRO",
    "Ledger",
    "as_decimal",
    "exact_sum",
    "new_id",
    "utc_now",
]


class Ledger(Reports):
    """All domain logic of the reference implementation.

    Public methods map one to one to the spec's operations: each takes the organization, the
    path id(s), the query (already schema-valid and typed) and/or the body, and returns
    ``(status, body)`` or raises :class:`~scrip_conformance.reference.errors.ApiError`.
    """


def as_decimal(text: str) -> Decimal:
    return Decimal(text)
