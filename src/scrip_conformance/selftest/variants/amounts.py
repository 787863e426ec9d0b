"""Decimal arithmetic: floats, rounding or truncating instead of rejecting, the wrong output
scale."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from scrip_conformance.reference.errors import ApiError
from scrip_conformance.reference.ledger import Ledger
from scrip_conformance.selftest.variants.base import variant
from scrip_conformance.selftest.variants.probe import Probe


def _lossy_credit(p: Probe) -> bool:
    p.credit("0.29")
    return p.lots()[0]["amount"] != "0.29"


@variant(
    "float-amounts",
    family="amounts",
    contracts=("PROV-FIFO-CONSUMPTION", "PROV-MODEL-STATEFUL"),
    symptom=_lossy_credit,
)
class FloatAmounts(Ledger):
    """Request amounts go through a binary float on their way to minor units
    (``int(float(text) * 10**scale)``), so "0.29" becomes 28 cents."""

    def parse_amount(self, text, scale, field="amount"):
        exact = super().parse_amount(text, scale, field)  # keeps the syntax and scale checks
        lossy = int(float(text) * 10**scale)
        return lossy if lossy > 0 else exact


def _accepts(amount: str) -> Callable[[Probe], bool]:
    def symptom(p: Probe) -> bool:
        return p.credit(amount).status_code == 200

    return symptom


class _Quantizing(Ledger):
    """Base of the variants that fit an over-precise amount to the scale instead of refusing."""

    rounding = ROUND_HALF_UP

    def parse_amount(self, text, scale, field="amount"):
        try:
            return super().parse_amount(text, scale, field)
        except ApiError as exc:
            if exc.code != "invalid_scale":
                raise
        quantum = Decimal(1).scaleb(-scale)
        fitted = Decimal(text).quantize(quantum, rounding=self.rounding)
        return super().parse_amount(format(fitted, "f"), scale, field)


@variant(
    "rounds-excess-scale",
    family="amounts",
    contracts=("PROV-INVALID-SCALE",),
    symptom=_accepts("1.005"),
)
class RoundsExcessScale(_Quantizing):
    """An amount with more fraction digits than the asset's scale is rounded half-up to the
    scale ("1.005" credits 1.01) instead of being refused with invalid_scale."""


@variant(
    "truncates-excess-scale",
    family="amounts",
    contracts=("PROV-INVALID-SCALE",),
    symptom=_accepts("1.009"),
)
class TruncatesExcessScale(_Quantizing):
    """An amount with more fraction digits than the asset's scale is silently truncated
    ("1.009" credits 1.00) instead of being refused with invalid_scale."""

    rounding = ROUND_DOWN


@variant(
    "trailing-zeros-accepted",
    family="amounts",
    contracts=("PROV-INVALID-SCALE",),
    symptom=_accepts("1.000"),
)
class TrailingZerosAccepted(Ledger):
    """Trailing zeros are stripped before the scale check, so "1.000" is accepted at scale 2
    although the spec counts them (invalid_scale)."""

    def parse_amount(self, text, scale, field="amount"):
        if isinstance(text, str) and "." in text:
            text = text.rstrip("0").rstrip(".") or "0"
        return super().parse_amount(text, scale, field)


def _short_output(p: Probe) -> bool:
    p.credit("10.50")
    return p.lots()[0]["amount"] != "10.50"


@variant(
    "output-scale-normalized",
    family="amounts",
    contracts=("LOT-AMOUNT-AT-SCALE", "BALANCE-AT-SCALE", "SCHEDULE-AMOUNTS-AT-SCALE"),
    symptom=_short_output,
)
class OutputScaleNormalized(Ledger):
    """Amounts are printed with ``Decimal.normalize()``: trailing zeros vanish ("10.5" and "10"
    instead of "10.50" and "10.00"), so the answer no longer carries the asset's scale."""

    def format_amount(self, minor, scale):
        value = (Decimal(minor).scaleb(-scale)).normalize()
        return format(value, "f")


def _scale_zero_with_decimals(p: Probe) -> bool:
    asset = p.new_asset(0)
    p.write("adjust", asset=asset, type="CREDIT", amount="7")
    return p.lots(asset=asset)[0]["amount"] != "7"


@variant(
    "output-always-two-decimals",
    family="amounts",
    contracts=("LOT-AMOUNT-AT-SCALE", "BALANCE-AT-SCALE", "SCHEDULE-AMOUNTS-AT-SCALE"),
    symptom=_scale_zero_with_decimals,
)
class OutputAlwaysTwoDecimals(Ledger):
    """Amounts are printed with a hard-coded two decimals whatever the asset's scale ("7.00" at
    scale 0, a digit lost at scale 3)."""

    def format_amount(self, minor, scale):
        value = Decimal(minor).scaleb(-scale).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return format(value, "f")
