"""Small helpers shared by the invariant modules (building violations, reading fields)."""

from __future__ import annotations

import json
from typing import Any

from scrip_conformance.violations import Violation


def violation(
    contract_id: str, summary: str, expected: str, observed: str, subject: str = ""
) -> Violation:
    return Violation(
        contract_id=contract_id,
        summary=summary,
        expected=expected,
        observed=observed,
        subject=subject,
    )


def show(value: Any) -> str:
    """A short JSON rendering of ``value`` for an ``observed`` field."""
    try:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 400 else text[:397] + "..."


def items(body: Any) -> list[Any]:
    """The ``data`` list of a list envelope (empty when the body has none)."""
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        return body["data"]
    return []
