"""The catalogue of known-bad variants, collected from one module per family group.

Each variant is a realistic ledger bug: a ``Ledger`` subclass overriding one step of the
reference (its seam) or an ASGI middleware around the unchanged app. Its docstring names the bug;
``contracts`` names the catalogue ids that must catch it.
"""

from __future__ import annotations

from scrip_conformance.selftest.variants import (  # noqa: F401  (each module registers its own)
    amounts,
    escapes,
    ledger_ops,
    listings,
    lots,
    operations,
    pagination,
    refusals,
    reports,
    schedule,
    wire,
)
from scrip_conformance.selftest.variants.base import FAMILIES, REGISTRY, Rewrite, Variant

ALL: tuple[Variant, ...] = tuple(sorted(REGISTRY.values(), key=lambda v: (v.family, v.name)))


def by_name(name: str) -> Variant:
    """The variant called ``name``; KeyError names the known ones."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"no variant {name!r}; known: {', '.join(sorted(REGISTRY))}") from None


__all__ = ["ALL", "FAMILIES", "REGISTRY", "Rewrite", "Variant", "by_name"]
