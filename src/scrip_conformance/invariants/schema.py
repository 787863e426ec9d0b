"""RESPONSE-MATCHES-SPEC: a JSON answer matches the schema the spec gives its operation and status.
RESPONSE-NO-UNKNOWN-FIELDS: it carries no field the spec does not list (a SHOULD, D-RESPONSE-FIELDS:
response objects are open, so an added field never breaks RESPONSE-MATCHES-SPEC).

Kept out of ``RESPONSE_INVARIANTS``: the fuzzing checks validate schemas through schemathesis.
Every answer is first checked by a compiled validator (jsonschema-rs, the validator schemathesis
itself depends on; some 20 times faster on a page of lots) on the very schema and formats of
``spec_schemas``; only an answer it finds invalid is validated again by ``spec_schemas`` for the
error messages, so the verdict and the messages stay those of ``spec_schemas``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
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


MAX_FIELDS_SHOWN = 10


def check_no_unknown_fields(operation_id: str, status: int, body: Any) -> list[Violation]:
    """RESPONSE-NO-UNKNOWN-FIELDS: the fields of one parsed JSON answer the spec does not list
    for ``operation_id``'s ``status`` answer, named (list indices folded to ``[]``)."""
    pointer = _response_schema_pointer(operation_id, status)
    if pointer is None or status >= 500:
        return []
    extra = unknown_fields(spec_schemas.validator_for(pointer).schema, body)
    if not extra:
        return []
    shown = ", ".join(extra[:MAX_FIELDS_SHOWN]) + (
        f" and {len(extra) - MAX_FIELDS_SHOWN} more" if len(extra) > MAX_FIELDS_SHOWN else ""
    )
    return [
        violation(
            "RESPONSE-NO-UNKNOWN-FIELDS",
            f"{operation_id} answer {status} carries fields the spec does not list: {shown}",
            f"only the fields openapi/scrip.yaml lists for {operation_id} {status} "
            "(extra fields are allowed, D-RESPONSE-FIELDS; this is a note)",
            shown,
        )
    ]


def unknown_fields(
    schema: Any, instance: Any, resolve: Callable[[str], Any] | None = None
) -> list[str]:
    """Where ``instance`` has an object field that ``schema`` does not list, as paths like
    ``data[].colour``, each once, in the order met.

    A field counts as listed when any branch (``allOf``/``anyOf``/``oneOf``/``then``/``else``)
    of the object's schema names it; an object whose schema names no properties (a free-form
    ``details``) or maps every key (``additionalProperties`` with a schema) lists every key.
    ``resolve`` turns a ``$ref`` into its schema (default: local references into the spec).
    """
    found: dict[str, None] = {}
    _walk(schema, instance, "", found, resolve or _spec_ref)
    return list(found)


def _spec_ref(ref: str) -> Any:
    if ref.startswith(spec_schemas.SPEC_URI):
        ref = ref[len(spec_schemas.SPEC_URI) :]
    return _pointed(ref[1:]) if ref.startswith("#/") else None


def _branches(node: Any, resolve: Callable[[str], Any]) -> list[dict[str, Any]]:
    if not isinstance(node, dict):
        return []
    out = [node]
    if isinstance(node.get("$ref"), str):
        out += _branches(resolve(node["$ref"]), resolve)
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in node.get(key, []) if isinstance(node.get(key), list) else []:
            out += _branches(sub, resolve)
    for key in ("then", "else"):
        out += _branches(node.get(key), resolve)
    return out


def _walk(
    node: Any, instance: Any, path: str, found: dict[str, None], resolve: Callable[[str], Any]
) -> None:
    branches = _branches(node, resolve)
    if isinstance(instance, dict):
        declared: dict[str, list[Any]] = {}
        maps: list[Any] = []
        for branch in branches:
            if isinstance(branch.get("properties"), dict):
                for name, sub in branch["properties"].items():
                    declared.setdefault(name, []).append(sub)
            if isinstance(branch.get("additionalProperties"), dict):
                maps.append(branch["additionalProperties"])
        for name, value in instance.items():
            where = f"{path}.{name}" if path else str(name)
            if name in declared:
                subs = declared[name]
            elif maps or not declared:
                subs = maps
            else:
                found.setdefault(where, None)
                continue
            for sub in subs:
                _walk(sub, value, where, found, resolve)
    elif isinstance(instance, list):
        for branch in branches:
            if isinstance(branch.get("items"), dict):
                for value in instance:
                    _walk(branch["items"], value, f"{path}[]", found, resolve)


@functools.cache
def _response_schema_pointer(operation_id: str, status: int) -> str | None:
    """JSON pointer of the JSON body schema of ``operation_id``'s ``status`` answer, if any."""
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
    return pointer + "/content/application~1json/schema"


@functools.cache
def _fast_validator(operation_id: str, status: int) -> Any:
    """A compiled validator of the JSON body of ``operation_id``'s ``status`` answer, or None
    when there is none to compile (then ``spec_schemas`` judges alone)."""
    pointer = _response_schema_pointer(operation_id, status)
    if pointer is None:
        return None
    schema = spec_schemas.validator_for(pointer).schema
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
