"""Check one fact of ``seed_facts.yaml`` against a parsed spec; each check lists what is wrong."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from spec_navigation import (
    JSON,
    SchemaView,
    deref_pointer,
    escape,
    operation_pointer,
    parameters,
    pointer_get,
    response_pointer,
    response_schema_pointer,
    validation_errors,
)

FACTS_PATH = Path(__file__).with_name("seed_facts.yaml")
SEED_STATUS = "200"

Problems = list[str]


def load_seed_facts() -> dict[str, Any]:
    with FACTS_PATH.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _operation(spec: dict[str, Any], fact: dict[str, Any]) -> str | None:
    method, path = fact["endpoint"].split(" ", 1)
    return operation_pointer(spec, method, path)


def _type_problems(view: SchemaView, fact: dict[str, Any], what: str) -> Problems:
    problems: Problems = []
    types = view.types
    expected = fact["type"]
    if expected not in types:
        problems.append(f"{what}: type is {sorted(types)}, the seed says {expected}")
    extra = types - {expected, "null"}
    if extra:
        problems.append(f"{what}: admits types {sorted(extra)} beyond the seed's {expected}")
    if fact.get("nullable") and "null" not in types:
        problems.append(f"{what}: the seed says it may be unset, but null is not allowed")
    if "format" in fact and view.format != fact["format"]:
        problems.append(f"{what}: format is {view.format!r}, the seed says {fact['format']!r}")
    if "items_type" in fact:
        items = view.items()
        if items is None or fact["items_type"] not in items.types:
            got = sorted(items.types) if items else None
            problems.append(f"{what}: items are {got}, the seed says {fact['items_type']}")
    if "enum" in fact:
        enum = view.enum
        if enum is None or set(enum) - {None} != set(fact["enum"]):
            problems.append(f"{what}: enum is {enum}, the seed says {fact['enum']}")
    for phrase in fact.get("description_contains", []):
        if phrase.lower() not in view.description.lower():
            problems.append(f"{what}: description lacks the seed's {phrase!r}")
    if "example" in fact:
        for err in validation_errors(view.spec, view.pointer, fact["example"]):
            problems.append(f"{what}: the seed's example {fact['example']!r} fails: {err}")
    return problems


def check_operation(spec: dict[str, Any], fact: dict[str, Any]) -> Problems:
    op_ptr = _operation(spec, fact)
    if op_ptr is None:
        return [f"no operation {fact['endpoint']}"]
    op = pointer_get(spec, op_ptr)
    problems: Problems = []
    if op.get("summary") != fact["summary"]:
        problems.append(f"summary is {op.get('summary')!r}, the seed says {fact['summary']!r}")
    resp_ptr = response_pointer(spec, op_ptr, SEED_STATUS)
    if resp_ptr is None:
        problems.append(f"no {SEED_STATUS} response")
    elif pointer_get(spec, resp_ptr).get("description") != fact["response_description"]:
        problems.append(f"{SEED_STATUS} description is not {fact['response_description']!r}")
    description = " ".join(op.get("description", "").split())
    for phrase in fact.get("description_contains", []):
        if phrase not in description:
            problems.append(f"description lacks the seed's {phrase!r}")
    return problems


def check_security(spec: dict[str, Any], fact: dict[str, Any]) -> Problems:
    op_ptr = _operation(spec, fact)
    if op_ptr is None:
        return [f"no operation {fact['endpoint']}"]
    schemes = spec.get("components", {}).get("securitySchemes", {})
    matching = {
        name
        for name, scheme in schemes.items()
        if all(scheme.get(k) == v for k, v in fact["scheme"].items())
    }
    if not matching:
        return [f"no security scheme {fact['scheme']}"]
    op = pointer_get(spec, op_ptr)
    requirements = op.get("security", spec.get("security", []))
    # "required": no alternative the operation accepts is anonymous, and one of them is the key
    # scheme (the others carry the same key another way, as Bearer does under D-AUTH).
    if (
        not requirements
        or any(not req for req in requirements)
        or not any(set(req) & matching for req in requirements)
    ):
        return [f"the operation does not require {sorted(matching)} (security: {requirements})"]
    return []


def check_parameter(spec: dict[str, Any], fact: dict[str, Any]) -> Problems:
    op_ptr = _operation(spec, fact)
    if op_ptr is None:
        return [f"no operation {fact['endpoint']}"]
    where = f"{fact['in']} parameter {fact['name']!r}"
    param_ptr = parameters(spec, op_ptr).get((fact["in"], fact["name"]))
    if param_ptr is None:
        return [f"no {where}"]
    param = pointer_get(spec, param_ptr)
    problems: Problems = []
    if bool(param.get("required", False)) != fact["required"]:
        problems.append(
            f"{where}: required is {param.get('required', False)}, seed {fact['required']}"
        )
    view = SchemaView(spec, f"{param_ptr}/schema")
    schema_fact = {k: v for k, v in fact.items() if k != "description_contains"}
    problems += _type_problems(view, schema_fact, where)
    for phrase in fact.get("description_contains", []):
        if phrase.lower() not in param.get("description", "").lower():
            problems.append(f"{where}: description lacks the seed's {phrase!r}")
    if "default" in fact and (not view.has_default or view.default != fact["default"]):
        problems.append(f"{where}: default is {view.default!r}, the seed says {fact['default']!r}")
    for bound in ("minimum", "maximum"):
        if bound in fact and getattr(view, bound) != fact[bound]:
            problems.append(f"{where}: {bound} is {getattr(view, bound)!r}, seed {fact[bound]!r}")
    return problems


def _seed_response(
    spec: dict[str, Any], fact: dict[str, Any]
) -> tuple[SchemaView | None, Problems]:
    op_ptr = _operation(spec, fact)
    if op_ptr is None:
        return None, [f"no operation {fact['endpoint']}"]
    schema_ptr = response_schema_pointer(spec, op_ptr, SEED_STATUS)
    if schema_ptr is None:
        return None, [f"no {JSON} schema on the {SEED_STATUS} response"]
    return SchemaView(spec, schema_ptr), []


def check_response_field(spec: dict[str, Any], fact: dict[str, Any]) -> Problems:
    body, problems = _seed_response(spec, fact)
    if body is None:
        return problems
    view = body.at(fact["field"])
    if view is None:
        return [f"the {SEED_STATUS} body has no field {fact['field']!r}"]
    return _type_problems(view, fact, f"field {fact['field']!r}")


def check_envelope(spec: dict[str, Any], fact: dict[str, Any]) -> Problems:
    body, problems = _seed_response(spec, fact)
    if body is None:
        return problems
    if not {"data", "pagination"} <= body.required:
        problems.append(f"data and pagination are not both required (required: {body.required})")
    data = body.property("data")
    if data is None or "array" not in data.types:
        problems.append("data is not an array")
    pagination = body.property("pagination")
    if pagination is None:
        return problems + ["no pagination object"]
    if not {"has_more", "next_cursor"} <= pagination.required:
        problems.append("pagination does not require has_more and next_cursor")
    has_more, cursor = pagination.property("has_more"), pagination.property("next_cursor")
    if has_more is None or has_more.types != {"boolean"}:
        problems.append("pagination.has_more is not a boolean")
    if cursor is None or "string" not in cursor.types:
        problems.append("pagination.next_cursor is not a string")
    return problems


def check_error_response(spec: dict[str, Any], fact: dict[str, Any]) -> Problems:
    op_ptr = _operation(spec, fact)
    if op_ptr is None:
        return [f"no operation {fact['endpoint']}"]
    problems: Problems = []
    schema_ptr = response_schema_pointer(spec, op_ptr, fact["status"])
    if schema_ptr is None:
        problems.append(f"no {fact['status']} response with a {JSON} schema")
    elif not is_error_based(spec, schema_ptr):
        problems.append(f"the {fact['status']} schema is not based on Error")
    description = " ".join(pointer_get(spec, op_ptr).get("description", "").split())
    if fact["reason"].lower() not in description.lower():
        problems.append(f"the description does not say {fact['reason']!r}")
    return problems


def check_example(spec: dict[str, Any], fact: dict[str, Any]) -> Problems:
    op_ptr = _operation(spec, fact)
    if op_ptr is None:
        return [f"no operation {fact['endpoint']}"]
    resp_ptr = response_pointer(spec, op_ptr, SEED_STATUS)
    media = pointer_get(spec, resp_ptr).get("content", {}).get(JSON, {}) if resp_ptr else {}
    values = [media["example"]] if "example" in media else []
    for name in media.get("examples", {}):
        ex_ptr = deref_pointer(spec, f"{resp_ptr}/content/{escape(JSON)}/examples/{escape(name)}")
        values.append(pointer_get(spec, ex_ptr).get("value"))
    if fact["value"] not in values:
        return [f"the {SEED_STATUS} response does not carry the seed's example verbatim"]
    return []


ERROR_SCHEMA = "/components/schemas/Error"


def is_error_based(spec: dict[str, Any], schema_ptr: str) -> bool:
    """The schema is ``Error`` itself or extends it through ``allOf``."""
    return any(ptr == ERROR_SCHEMA for ptr, _node in SchemaView(spec, schema_ptr).parts)


CHECKS: dict[str, Callable[[dict[str, Any], dict[str, Any]], Problems]] = {
    "operation": check_operation,
    "security": check_security,
    "parameter": check_parameter,
    "response_field": check_response_field,
    "envelope": check_envelope,
    "error_response": check_error_response,
    "example": check_example,
}


def check_fact(spec: dict[str, Any], fact: dict[str, Any]) -> Problems:
    return CHECKS[fact["kind"]](spec, fact)
