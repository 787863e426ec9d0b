"""Decimal amounts on the wire (D-AMOUNT-OUT): strings with exactly ``scale`` fraction digits."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_SIGNED = re.compile(r"^-?(0|[1-9][0-9]*)(\.([0-9]+))?$")


def parse(text: object) -> Decimal | None:
    """The value of a wire amount, or None when it is not a plain decimal string."""
    if not isinstance(text, str) or not _SIGNED.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        return None


def fraction_digits(text: object) -> int | None:
    """How many digits follow the decimal point (0 without one); None when not an amount."""
    match = _SIGNED.match(text) if isinstance(text, str) else None
    if not match:
        return None
    return len(match.group(3) or "")


def is_at_scale(text: object, scale: int, *, signed: bool = False) -> bool:
    """True when ``text`` is a decimal string with exactly ``scale`` fraction digits, no
    exponent and no sign (a leading ``-`` only when ``signed``; never ``-0``)."""
    if not isinstance(text, str) or not _SIGNED.match(text):
        return False
    if text.startswith("-") and (not signed or Decimal(text) == 0):
        return False
    return fraction_digits(text) == scale


def render(value: Decimal, scale: int) -> str:
    """``value`` as a wire amount at ``scale`` (for messages and expected values)."""
    quantum = Decimal(1).scaleb(-scale)
    return str(value.quantize(quantum))


def minor_unit(scale: int) -> Decimal:
    """The smallest amount at ``scale`` (``0.01`` at scale 2)."""
    return Decimal(1).scaleb(-scale)
