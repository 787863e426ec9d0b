"""RESPONSE-MATCHES-SPEC: a JSON answer matches the schema the spec gives its operation and status.

Kept out of ``RESPONSE_INVARIANTS``: the fuzzing checks validate schemas through schemathesis.
Every answer is first checked by a compiled validator (jsonschema-rs, the validator schemathesis
itself depends on; some 20 times faster on a page of lots) on the very schema and formats of
``spec_schemas``; only an answer it finds invalid is validated again by ``spec_schemas`` for the
error messages, so the verdict and the messages stay those of ``spec_schemas``.
"""

from __future__ import annotations

import functools
from typing import Any

import jsonschema_rs

from scrip_conformance import spec_schemas
from scrip_conformance.invariants._common import violation
from scrip_conformance.resources import load_spec
from scrip_conformance.violations import Violation


def check_matches_spec(operation_id: str, status: int, body: Any) -> list[Violation]:
    """Schema errors of one parsed JSON answer (5xx are ERROR-NO-5XX's to judge)."""
    if status >= 500:
        return []
    fast = _fast_validator(operation_id, status)
    if fast is not None and fast.is_valid(body):
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


def _conforms(name: str):
    check = spec_schemas.FORMAT_CHECKER.checkers[name][0]  # spec_schemas' own format function

    def conforms(value: Any) -> bool:
        try:
            return bool(check(value))
        except ValueError:
            return False

    return conforms


@functools.cache
def _fast_validator(operation_id: str, status: int) -> Any:
    """A compiled validator of the JSON body of ``operation_id``'s ``status`` answer, or None
    when there is none to compile (then ``spec_schemas`` judges alone)."""
    operations = spec_schemas.operations()
    if operation_id not in operations:
        return None
    path, method = operations[operation_id]
    response = load_spec()["paths"][path][method]["responses"].get(str(status))
    if not isinstance(response, dict):
        return None
    escaped = path.replace("~", "~0").replace("/", "~1")
    pointer = f"/paths/{escaped}/{method}/responses/{status}"
    ref = response.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        pointer = ref[1:]
        response = _pointed(pointer)
    if "schema" not in (response.get("content") or {}).get("application/json", {}):
        return None
    schema = spec_schemas.validator_for(pointer + "/content/application~1json/schema").schema
    try:
        return jsonschema_rs.Draft202012Validator(
            schema,
            formats={name: _conforms(name) for name in ("uuid", "date-time")},
            validate_formats=True,
            retriever=_retrieve,
        )
    except Exception:  # noqa: BLE001 - a schema it cannot compile: spec_schemas judges alone
        return None


def _retrieve(uri: str) -> Any:
    if not uri.startswith(spec_schemas.SPEC_URI):
        raise ValueError(f"no such schema: {uri}")
    return load_spec()


def _pointed(pointer: str) -> Any:
    node: Any = load_spec()
    for token in pointer.lstrip("/").split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node
