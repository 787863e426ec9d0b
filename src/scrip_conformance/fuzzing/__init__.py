"""Spec-driven fuzzing with schemathesis, wired to the ledger's invariants.

``run_fuzzing(FuzzSettings(...))`` runs schemathesis' engine (examples, coverage, fuzzing and
stateful phases, positive and negative data, every built-in check plus the domain checks of
:mod:`scrip_conformance.fuzzing.checks`) and returns a :class:`FuzzReport`. Names are imported
lazily so that loading the pytest plugin stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "BUDGETS": "scrip_conformance.fuzzing.budgets",
    "Budget": "scrip_conformance.fuzzing.budgets",
    "budget_named": "scrip_conformance.fuzzing.budgets",
    "FuzzSettings": "scrip_conformance.fuzzing.config",
    "schemathesis_config": "scrip_conformance.fuzzing.config",
    "KnownIds": "scrip_conformance.fuzzing.data",
    "discover": "scrip_conformance.fuzzing.data",
    "provision": "scrip_conformance.fuzzing.data",
    "FuzzReport": "scrip_conformance.fuzzing.report",
    "FuzzFailure": "scrip_conformance.fuzzing.report",
    "CONTRACTS": "scrip_conformance.fuzzing.report",
    "run_fuzzing": "scrip_conformance.fuzzing.run",
    "load_schema": "scrip_conformance.fuzzing.run",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
