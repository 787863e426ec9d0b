"""The catalogue of known-good variants: legal variations of the reference (HTTP, JSON and spec
freedoms) that the suite must judge CONFORMANT, the mirror of the known-bad variants.

Each variant is ASGI middleware around the reference app, a ``Ledger`` subclass, the reference's
own rate limiter switched on, or a mix; its docstring names the freedom it takes and
``unsupported`` the ``--unsupported`` flags its run needs.
"""

from __future__ import annotations

from scrip_conformance.selftest.good import (  # noqa: F401  (each module registers its own)
    features,
    ledger,
    wire,
)
from scrip_conformance.selftest.good.base import FREEDOMS, GOOD_REGISTRY, GoodVariant

ALL_GOOD: tuple[GoodVariant, ...] = tuple(sorted(GOOD_REGISTRY.values(), key=lambda v: v.name))


def good_by_name(name: str) -> GoodVariant:
    """The known-good variant called ``name``; KeyError names the known ones."""
    try:
        return GOOD_REGISTRY[name]
    except KeyError:
        raise KeyError(
            f"no good variant {name!r}; known: {', '.join(sorted(GOOD_REGISTRY))}"
        ) from None


__all__ = ["ALL_GOOD", "FREEDOMS", "GOOD_REGISTRY", "GoodVariant", "good_by_name"]
