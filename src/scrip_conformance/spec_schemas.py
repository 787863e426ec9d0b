"""Validate responses (and request parts) against ``openapi/scrip.yaml``, the one source of truth.

Schemas are compiled once per JSON pointer into the spec (Draft 2020-12, ``$ref`` inlined from the
spec, formats ``uuid`` and ``date-time`` checked) and cached.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from scrip_conformance.resources import load_spec

SPEC_URI = "urn:scrip-conformance:openapi"
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

FORMAT_CHECKER = FormatChecker(formats=())


@FORMAT_CHECKER.checks("uuid")
def _is_uuid(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _UUID.match(value):
        return False
    UUID(value)
    return True


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        return False
    datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    return True


@functools.cache
def registry() -> Registry:
    """A registry holding the spec under :data:`SPEC_URI`, so ``#/components/...`` resolves."""
    resource = Resource.from_contents(load_spec(), default_specification=DRAFT202012)
    return Registry().with_resource(SPEC_URI, resource)


def _pointed(pointer: str) -> Any:
    """The node of the spec at a JSON pointer (``/components/schemas/Lot``)."""
    node: Any = load_spec()
    for token in pointer.lstrip("/").split("/"):
        key = token.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def _inline_refs(node: Any, trail: tuple[str, ...] = ()) -> Any:
    """``node`` with every local ``$ref`` replaced by its target (keywords beside a ``$ref`` kept
    next to it in an ``allOf``); a recursive ``$ref`` stays, resolved through the registry."""
    if isinstance(node, list):
        return [_inline_refs(item, trail) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        if ref in trail:
            return {**node, "$ref": SPEC_URI + ref}
        target = _inline_refs(_pointed(ref[1:]), (*trail, ref))
        siblings = {k: _inline_refs(v, trail) for k, v in node.items() if k != "$ref"}
        return {**siblings, "allOf": [target]} if siblings else target
    return {key: _inline_refs(value, trail) for key, value in node.items()}


@functools.cache
def validator_for(pointer: str) -> Draft202012Validator:
    """A compiled validator for the schema at ``pointer`` (a JSON pointer into the spec).

    The spec's ``$ref``s are inlined once here: resolved at validation time instead, they cost
    a registry lookup per referenced object of every instance (2.5 times slower on a lot page).
    """
    schema = _inline_refs({"$ref": f"#{pointer}"})
    return Draft202012Validator(schema, registry=registry(), format_checker=FORMAT_CHECKER)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@functools.cache
def operations() -> dict[str, tuple[str, str]]:
    """operationId -> (path, method) for every operation of the spec."""
    found: dict[str, tuple[str, str]] = {}
    for path, item in load_spec()["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and "operationId" in op:
                found[op["operationId"]] = (path, method)
    return found


def _resolve(node: Any) -> Any:
    """Follow local ``$ref``s of the spec (responses, parameters) until a concrete node."""
    spec = load_spec()
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for token in node["$ref"].lstrip("#/").split("/"):
            target = target[token.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def operation(operation_id: str) -> dict[str, Any]:
    path, method = operations()[operation_id]
    return load_spec()["paths"][path][method]


MAX_ERRORS = 20
"""Schema errors worded per instance at most (a 20 MB invalid page has millions; five are shown)."""
MAX_MESSAGE = 300
"""Characters of one error message kept (a message quotes the bad value, which may be huge)."""


def _errors(validator: Draft202012Validator, instance: Any, where: str) -> list[str]:
    found = list(itertools.islice(validator.iter_errors(instance), MAX_ERRORS + 1))
    out = []
    for err in sorted(found[:MAX_ERRORS], key=lambda e: list(e.absolute_path)):
        location = "/".join(str(p) for p in err.absolute_path)[:MAX_MESSAGE]
        message = err.message if len(err.message) <= MAX_MESSAGE else err.message[:MAX_MESSAGE]
        out.append(f"{where}{'/' + location if location else ''}: {message}")
    if len(found) > MAX_ERRORS:
        out.append(f"{where}: further errors not listed (the first {MAX_ERRORS} are)")
    return out


def validate_response(
    operation_id: str,
    status_code: int,
    body: Any,
    headers: Mapping[str, str] | None = None,
) -> list[str]:
    """Errors of one response against the spec (empty when valid).

    A status the operation does not document is an error. ``headers`` (case-insensitive names)
    are checked when given: every documented response header must be present and match its
    schema (integers as decimal strings).
    """
    if operation_id not in operations():
        return [f"unknown operationId {operation_id!r}"]
    path, method = operations()[operation_id]
    responses = load_spec()["paths"][path][method]["responses"]
    code = str(status_code)
    if code not in responses:
        return [f"status {status_code} is not documented for {operation_id}"]
    response = _resolve(responses[code])
    errors: list[str] = []
    content = response.get("content", {}).get("application/json")
    if content is not None and "schema" in content:
        ref = responses[code].get("$ref")
        if ref:
            pointer = ref.lstrip("#") + "/content/application~1json/schema"
        else:
            pointer = (
                f"/paths/{_escape(path)}/{method}/responses/{code}/content/application~1json/schema"
            )
        errors += _errors(validator_for(pointer), body, "body")
    if headers is not None:
        lowered = {k.lower(): v for k, v in headers.items()}
        for name, header in (response.get("headers") or {}).items():
            header = _resolve(header)
            value = lowered.get(name.lower())
            if value is None:
                errors.append(f"header {name}: missing")
                continue
            schema = header.get("schema", {})
            if schema.get("type") == "integer":
                if not re.fullmatch(r"-?\d+", value.strip()):
                    errors.append(f"header {name}: {value!r} is not an integer")
                    continue
                number = int(value)
                if "minimum" in schema and number < schema["minimum"]:
                    errors.append(f"header {name}: {number} is below {schema['minimum']}")
    return errors


def request_body_pointer(operation_id: str) -> str | None:
    """JSON pointer of the operation's JSON request body schema, if it has one."""
    path, method = operations()[operation_id]
    op = load_spec()["paths"][path][method]
    if "requestBody" not in op:
        return None
    return f"/paths/{_escape(path)}/{method}/requestBody/content/application~1json/schema"


def parameters(operation_id: str) -> list[dict[str, Any]]:
    """The operation's parameters, ``$ref``s resolved, each with a ``_pointer`` to its schema."""
    path, method = operations()[operation_id]
    spec = load_spec()
    out = []
    for source, params in (
        (f"/paths/{_escape(path)}/parameters", spec["paths"][path].get("parameters", [])),
        (
            f"/paths/{_escape(path)}/{method}/parameters",
            spec["paths"][path][method].get("parameters", []),
        ),
    ):
        for index, param in enumerate(params):
            ref = param.get("$ref")
            resolved = dict(_resolve(param))
            base = ref.lstrip("#") if ref else f"{source}/{index}"
            resolved["_pointer"] = base + "/schema"
            out.append(resolved)
    return out


def validate_instance(pointer: str, instance: Any, where: str = "value") -> list[str]:
    """Errors of ``instance`` against the schema at ``pointer`` in the spec."""
    return _errors(validator_for(pointer), instance, where)
