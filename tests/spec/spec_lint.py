"""Structural rules of the spec that OpenAPI itself does not enforce; each returns what breaks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from seed_fact_checks import is_error_based
from spec_navigation import (
    JSON,
    SchemaView,
    deref_pointer,
    escape,
    operation_by_id,
    operations,
    parameters,
    pointer_get,
    response_pointer,
    response_schema_pointer,
    validation_errors,
)

from scrip_conformance.invariants.schema import unknown_fields

SECURITY_SCHEME = "ApiKeyAuth"
EXTENSION_MARK = "x-scrip-conformance-extension"
# Keys under which a schema holds sub-schemas: the mapping ones, then the single and list ones.
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs")
_SCHEMA_SINGLES = ("items", "additionalProperties", "not", "contains", "propertyNames")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")

Problems = list[str]


def operation_problems(spec: dict[str, Any], op_ptr: str) -> Problems:
    """operationId, summary, the key requirement, a 401, and an Error body on every 4xx."""
    op = pointer_get(spec, op_ptr)
    problems: Problems = []
    if not op.get("operationId"):
        problems.append("no operationId")
    if not str(op.get("summary", "")).strip():
        problems.append("no summary")
    requirements = op.get("security", spec.get("security", []))
    # alternatives (ApiKeyAuth or BearerAuth, D-AUTH): none may be empty, one is the key header
    if (
        not requirements
        or any(not req for req in requirements)
        or not any(SECURITY_SCHEME in req for req in requirements)
    ):
        problems.append(f"does not require {SECURITY_SCHEME} (security: {requirements})")
    responses = op.get("responses", {})
    if "401" not in responses:
        problems.append("no 401 response")
    for status in responses:
        if str(status).startswith("4"):
            schema_ptr = response_schema_pointer(spec, op_ptr, str(status))
            if schema_ptr is None or not is_error_based(spec, schema_ptr):
                problems.append(f"the {status} response has no Error-based {JSON} schema")
    return problems


RATE_LIMIT_HEADERS = {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}


def rate_limit_header_problems(spec: dict[str, Any], op_ptr: str) -> Problems:
    """Every response declares the documented rate-limit headers; a 429 adds Retry-After."""
    problems: Problems = []
    for status in pointer_get(spec, op_ptr).get("responses", {}):
        resp_ptr = response_pointer(spec, op_ptr, str(status))
        headers = set(pointer_get(spec, resp_ptr).get("headers", {}))
        expected = RATE_LIMIT_HEADERS | ({"Retry-After"} if str(status) == "429" else set())
        if not expected <= headers:
            problems.append(f"the {status} response lacks {sorted(expected - headers)}")
    return problems


def duplicate_operation_ids(spec: dict[str, Any]) -> set[str]:
    seen: set[str] = set()
    dupes: set[str] = set()
    for _m, _p, ptr in operations(spec):
        op_id = pointer_get(spec, ptr).get("operationId")
        if op_id in seen:
            dupes.add(op_id)
        seen.add(op_id)
    return dupes


def walk(node: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    """Every (pointer, node) of a JSON-like tree, depth first."""
    yield pointer, node
    if isinstance(node, dict):
        for key, sub in node.items():
            yield from walk(sub, f"{pointer}/{escape(str(key))}")
    elif isinstance(node, list):
        for index, sub in enumerate(node):
            yield from walk(sub, f"{pointer}/{index}")


def extension_problems(spec: dict[str, Any]) -> Problems:
    """Every node marked as an extension says so in its description."""
    problems: Problems = []
    for pointer, node in walk(spec):
        if isinstance(node, dict) and node.get(EXTENSION_MARK) is True:
            if "extension" not in str(node.get("description", "")).lower():
                problems.append(f"{pointer}: marked {EXTENSION_MARK} but not described as one")
    return problems


def extension_pointers(spec: dict[str, Any]) -> set[str]:
    return {
        pointer
        for pointer, node in walk(spec)
        if isinstance(node, dict) and node.get(EXTENSION_MARK) is True
    }


# --- examples --------------------------------------------------------------------------------


def _schema_nodes(spec: dict[str, Any], pointer: str) -> Iterator[str]:
    """Pointers of a schema and of every sub-schema written inline inside it."""
    node = pointer_get(spec, pointer)
    if not isinstance(node, dict):
        return
    yield pointer
    for key in _SCHEMA_MAPS:
        for name in node.get(key, {}) if isinstance(node.get(key), dict) else {}:
            yield from _schema_nodes(spec, f"{pointer}/{key}/{escape(name)}")
    for key in _SCHEMA_SINGLES:
        if isinstance(node.get(key), dict):
            yield from _schema_nodes(spec, f"{pointer}/{key}")
    for key in _SCHEMA_LISTS:
        for index, _ in enumerate(node.get(key, [])):
            yield from _schema_nodes(spec, f"{pointer}/{key}/{index}")


def examples(spec: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """(where, schema pointer, value) of every example in the spec.

    Media types, parameters and headers hold ``example`` or an ``examples`` map of Example
    Objects, checked against their ``schema``; schemas hold ``examples`` (a list) or the older
    ``example``, checked against the schema itself.
    """
    schema_roots: set[str] = set()
    for pointer, node in walk(spec):
        if not isinstance(node, dict) or not isinstance(node.get("schema"), dict):
            continue
        if pointer.endswith("/links") or "/links/" in pointer:
            continue
        schema_ptr = f"{pointer}/schema"
        schema_roots.add(schema_ptr)
        if "example" in node:
            yield f"{pointer}/example", schema_ptr, node["example"]
        for name in node.get("examples", {}) or {}:
            ex_ptr = deref_pointer(spec, f"{pointer}/examples/{escape(name)}")
            example = pointer_get(spec, ex_ptr)
            if "value" in example:
                yield f"{pointer}/examples/{escape(name)}", schema_ptr, example["value"]
    schema_roots |= {
        f"/components/schemas/{escape(name)}"
        for name in spec.get("components", {}).get("schemas", {})
    }
    seen: set[str] = set()
    for root in sorted(schema_roots):
        for schema_ptr in _schema_nodes(spec, root):
            if schema_ptr in seen:
                continue
            seen.add(schema_ptr)
            node = pointer_get(spec, schema_ptr)
            for index, value in enumerate(node.get("examples", []) or []):
                yield f"{schema_ptr}/examples/{index}", schema_ptr, value
            if "example" in node:
                yield f"{schema_ptr}/example", schema_ptr, node["example"]


def example_problems(spec: dict[str, Any], schema_ptr: str, value: Any) -> Problems:
    """Schema errors of an example, and every field it shows that its schema does not list
    (response objects are open, D-RESPONSE-FIELDS, but the spec's own examples stay exact)."""
    extra = unknown_fields(
        pointer_get(spec, schema_ptr), value, lambda ref: pointer_get(spec, ref.lstrip("#"))
    )
    return validation_errors(spec, schema_ptr, value) + [
        f"{where}: not a field of the schema" for where in extra
    ]


# --- links -----------------------------------------------------------------------------------


def _links(spec: dict[str, Any]) -> Iterator[tuple[str, str | None, str, dict[str, Any]]]:
    """(link pointer, source operation pointer or None, source status, link) of every link."""
    sources: list[tuple[str | None, str, str]] = []
    for _m, _p, op_ptr in operations(spec):
        for status in pointer_get(spec, op_ptr).get("responses", {}):
            resp_ptr = f"{op_ptr}/responses/{escape(str(status))}"
            sources.append((op_ptr, str(status), deref_pointer(spec, resp_ptr)))
    for name in spec.get("components", {}).get("responses", {}):
        sources.append((None, "", f"/components/responses/{escape(name)}"))
    for op_ptr, status, resp_ptr in sources:
        for name in pointer_get(spec, resp_ptr).get("links", {}):
            link_ptr = deref_pointer(spec, f"{resp_ptr}/links/{escape(name)}")
            yield link_ptr, op_ptr, status, pointer_get(spec, link_ptr)


def _body_pointer_problem(view: SchemaView | None, json_pointer: str) -> str | None:
    for raw in json_pointer.split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        if view is None:
            break
        view = view.items() if token.isdigit() else view.property(token)
    return None if view is not None else f"the response body has nothing at {json_pointer!r}"


def _expression_problem(
    spec: dict[str, Any], source_op: str | None, status: str, expression: Any
) -> str | None:
    """A runtime expression must name something its source operation really has."""
    if not isinstance(expression, str) or not expression.startswith("$") or source_op is None:
        return None
    if expression.startswith("$request.path.") or expression.startswith("$request.query."):
        location, name = expression.split(".", 2)[1:]
        if (location, name) not in parameters(spec, source_op):
            return f"{expression}: the source operation has no {location} parameter {name!r}"
        return None
    if expression.startswith("$response.body#"):
        schema_ptr = response_schema_pointer(spec, source_op, status)
        view = SchemaView(spec, schema_ptr) if schema_ptr else None
        return _body_pointer_problem(view, expression.split("#", 1)[1])
    return None


def _literal_problems(
    spec: dict[str, Any], link_ptr: str, schema_ptr: str, name: str, value: Any
) -> Problems:
    """A constant a link passes (not a runtime expression) must fit the target's schema."""
    if isinstance(value, str) and value.startswith("$"):
        return []
    return [
        f"{link_ptr}: constant {value!r} for {name!r} fails: {err}"
        for err in validation_errors(spec, schema_ptr, value)
    ]


def link_problems(
    spec: dict[str, Any], link_ptr: str, source_op: str | None, status: str, link: dict[str, Any]
) -> Problems:
    """The target operation exists and has every parameter and body field the link sets."""
    target_id = link.get("operationId")
    target = operation_by_id(spec, target_id) if target_id else None
    if target is None:
        return [f"{link_ptr}: operationId {target_id!r} names no operation"]
    problems: Problems = []
    target_params = parameters(spec, target)
    for key, expression in link.get("parameters", {}).items():
        location, _, name = key.rpartition(".")
        known = {
            ptr
            for (loc, n), ptr in target_params.items()
            if n == name and (not location or loc == location)
        }
        if not known:
            problems.append(f"{link_ptr}: {target_id} has no parameter {key!r}")
        else:
            problems += _literal_problems(spec, link_ptr, f"{known.pop()}/schema", key, expression)
        problem = _expression_problem(spec, source_op, status, expression)
        if problem:
            problems.append(f"{link_ptr}: {problem}")
    body = link.get("requestBody")
    if isinstance(body, dict):
        op = pointer_get(spec, target)
        if JSON not in op.get("requestBody", {}).get("content", {}):
            problems.append(f"{link_ptr}: {target_id} takes no {JSON} body")
        else:
            body_view = SchemaView(spec, f"{target}/requestBody/content/{escape(JSON)}/schema")
            for field, expression in body.items():
                field_view = body_view.property(field)
                if field_view is None:
                    problems.append(f"{link_ptr}: {target_id}'s body has no field {field!r}")
                else:
                    problems += _literal_problems(
                        spec, link_ptr, field_view.pointer, field, expression
                    )
                problem = _expression_problem(spec, source_op, status, expression)
                if problem:
                    problems.append(f"{link_ptr}: {problem}")
    return problems


def all_links(spec: dict[str, Any]) -> list[tuple[str, str | None, str, dict[str, Any]]]:
    return list(_links(spec))


def all_link_problems(spec: dict[str, Any]) -> Problems:
    return [p for link in all_links(spec) for p in link_problems(spec, *link)]
