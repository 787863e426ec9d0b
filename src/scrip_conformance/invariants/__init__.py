"""The ledger's invariants as pure functions: parsed JSON in, a list of violations out, no I/O.

One module per area (``lots``, ``filters``, ``balances``, ``schedule``, ``pagination``,
``liability``, ``errors``). ``RESPONSE_INVARIANTS`` maps each operationId to the checks that hold
for any single response of it; the pytest contracts and the fuzzing checks both use them.
"""

from typing import Any

from scrip_conformance.invariants import registry
from scrip_conformance.invariants.context import ResponseContext
from scrip_conformance.invariants.registry import check_response

__all__ = ["RESPONSE_INVARIANTS", "ResponseContext", "check_response"]


def __getattr__(name: str) -> Any:  # RESPONSE_INVARIANTS is built from the spec on first use
    if name == "RESPONSE_INVARIANTS":
        return registry.lazy(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
