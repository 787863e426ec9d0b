"""RESPONSE-MATCHES-SPEC: a JSON answer matches the schema the spec gives its operation and status.

Kept out of ``RESPONSE_INVARIANTS``: the fuzzing checks validate schemas through schemathesis.
"""

from __future__ import annotations

from typing import Any

from scrip_conformance import spec_schemas
from scrip_conformance.invariants._common import violation
from scrip_conformance.violations import Violation


def check_matches_spec(operation_id: str, status: int, body: Any) -> list[Violation]:
    """Schema errors of one parsed JSON answer (5xx are ERROR-NO-5XX's to judge)."""
    if status >= 500:
        return []
    problems = spec_schemas.validate_response(operation_id, status, body)
    if not problems:
        return []
    shown = "; ".join(problems[:5]) + (
        f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
    )
    return [
        violation(
            "RESPONSE-MATCHES-SPEC",
            f"{operation_id} answer {status} does not match the spec",
            f"the schema of openapi/scrip.yaml for {operation_id} {status}",
            shown,
        )
    ]
