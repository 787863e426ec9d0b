"""Exact decimal amounts at an asset's scale (D-AMOUNT-IN, D-AMOUNT-OUT); never floats."""

from __future__ import annotations

import re
from decimal import Decimal

_INPUT = re.compile(r"^[0-9]+(\.[0-9]+)?$")


class AmountError(ValueError):
    """A request amount the API must refuse, with the error code it must answer (400)."""

    def __init__(self, code: str, text: object):
        self.code = code
        super().__init__(f"{code}: {text!r}")


def parse_amount(text: object, scale: int) -> Decimal:
    """The value of a request amount string, or :class:`AmountError` as D-AMOUNT-IN decides.

    Trailing zeros count towards the scale: ``"1.000"`` at scale 2 is ``invalid_scale``.
    """
    if not isinstance(text, str) or not _INPUT.match(text):
        raise AmountError("validation_error", text)
    value = Decimal(text)
    if value <= 0:
        raise AmountError("validation_error", text)
    digits = len(text.partition(".")[2])
    if digits > scale:
        raise AmountError("invalid_scale", text)
    return value


def quantum(scale: int) -> Decimal:
    return Decimal(1).scaleb(-scale)


def format_amount(value: Decimal, scale: int) -> str:
    """The wire form of an amount: exactly ``scale`` fraction digits, no exponent (D-AMOUNT-OUT)."""
    q = value.quantize(quantum(scale))
    if q == 0:
        q = abs(q)
    return f"{q:f}"


def wire_value(text: str) -> Decimal:
    """A response amount string as a Decimal (for comparison with the model)."""
    return Decimal(text)
