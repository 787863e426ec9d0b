"""Read-only navigation of the parsed OpenAPI document, for the spec tests.

Schemas are addressed by JSON pointer into the spec, so any of them can be validated with
jsonschema (Draft 2020-12) while its ``$ref`` s resolve into the same document via ``referencing``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_URI = "urn:scrip-conformance:openapi"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
JSON = "application/json"


def escape(token: str) -> str:
    """One JSON-pointer reference token."""
    return token.replace("~", "~0").replace("/", "~1")


def pointer_get(spec: dict[str, Any], pointer: str) -> Any:
    """The node at ``pointer`` ("" is the whole document)."""
    node: Any = spec
    for raw in pointer.split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def deref_pointer(spec: dict[str, Any], pointer: str) -> str:
    """Follow local ``$ref`` s from ``pointer`` to the node that holds content."""
    seen = set()
    node = pointer_get(spec, pointer)
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#") or ref in seen:
            raise ValueError(f"unresolvable $ref {ref!r} at {pointer!r}")
        seen.add(ref)
        pointer = ref[1:]
        node = pointer_get(spec, pointer)
    return pointer


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(method, path, pointer) of every operation."""
    for path, item in spec.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                yield method, path, f"/paths/{escape(path)}/{method}"


def operation_pointer(spec: dict[str, Any], method: str, path: str) -> str | None:
    item = spec.get("paths", {}).get(path)
    if not isinstance(item, dict) or method.lower() not in item:
        return None
    return f"/paths/{escape(path)}/{method.lower()}"


def operation_by_id(spec: dict[str, Any], operation_id: str) -> str | None:
    for _method, _path, ptr in operations(spec):
        if pointer_get(spec, ptr).get("operationId") == operation_id:
            return ptr
    return None


def parameters(spec: dict[str, Any], op_ptr: str) -> dict[tuple[str, str], str]:
    """(in, name) -> pointer of each parameter of an operation, path-level ones included."""
    found: dict[tuple[str, str], str] = {}
    item_ptr = op_ptr.rsplit("/", 1)[0]
    for owner in (item_ptr, op_ptr):  # operation-level parameters override path-level ones
        for index, _ in enumerate(pointer_get(spec, owner).get("parameters", [])):
            ptr = deref_pointer(spec, f"{owner}/parameters/{index}")
            param = pointer_get(spec, ptr)
            found[(param["in"], param["name"])] = ptr
    return found


def response_pointer(spec: dict[str, Any], op_ptr: str, status: str) -> str | None:
    responses = pointer_get(spec, op_ptr).get("responses", {})
    if status not in responses:
        return None
    return deref_pointer(spec, f"{op_ptr}/responses/{escape(status)}")


def response_schema_pointer(spec: dict[str, Any], op_ptr: str, status: str) -> str | None:
    resp_ptr = response_pointer(spec, op_ptr, status)
    if resp_ptr is None:
        return None
    media = pointer_get(spec, resp_ptr).get("content", {}).get(JSON)
    if not media or "schema" not in media:
        return None
    return f"{resp_ptr}/content/{escape(JSON)}/schema"


@dataclass(frozen=True)
class SchemaView:
    """A schema with ``$ref`` and ``allOf`` folded in, as far as these tests need to look."""

    spec: dict[str, Any]
    pointer: str

    @functools.cached_property
    def parts(self) -> list[tuple[str, dict[str, Any]]]:
        """(pointer, node) of the schema and of every ``allOf`` member, references followed."""
        out: list[tuple[str, dict[str, Any]]] = []
        pending = [self.pointer]
        while pending:
            ptr = deref_pointer(self.spec, pending.pop(0))
            node = pointer_get(self.spec, ptr)
            out.append((ptr, node))
            pending.extend(f"{ptr}/allOf/{i}" for i, _ in enumerate(node.get("allOf", [])))
        return out

    def _first(self, key: str) -> Any:
        for _ptr, node in self.parts:
            if key in node:
                return node[key]
        return None

    @property
    def types(self) -> set[str]:
        declared: set[str] | None = None
        for ptr, node in self.parts:
            these: set[str] | None = None
            if "type" in node:
                t = node["type"]
                these = {t} if isinstance(t, str) else set(t)
            elif "oneOf" in node or "anyOf" in node:
                key = "oneOf" if "oneOf" in node else "anyOf"
                these = set()
                for i, _ in enumerate(node[key]):
                    these |= SchemaView(self.spec, f"{ptr}/{key}/{i}").types
            if these is not None:
                declared = these if declared is None else declared & these
        return declared or set()

    @property
    def format(self) -> str | None:
        return self._first("format")

    @property
    def enum(self) -> list[Any] | None:
        return self._first("enum")

    @property
    def default(self) -> Any:
        return self._first("default")

    @property
    def has_default(self) -> bool:
        return any("default" in node for _ptr, node in self.parts)

    @property
    def minimum(self) -> Any:
        return self._first("minimum")

    @property
    def maximum(self) -> Any:
        return self._first("maximum")

    @property
    def description(self) -> str:
        return " ".join(node["description"] for _p, node in self.parts if "description" in node)

    @property
    def required(self) -> set[str]:
        return {name for _p, node in self.parts for name in node.get("required", [])}

    def property(self, name: str) -> SchemaView | None:
        for ptr, node in self.parts:
            if name in node.get("properties", {}):
                return SchemaView(self.spec, f"{ptr}/properties/{escape(name)}")
        return None

    def items(self) -> SchemaView | None:
        for ptr, node in self.parts:
            if isinstance(node.get("items"), dict):
                return SchemaView(self.spec, f"{ptr}/items")
        return None

    def at(self, field: str) -> SchemaView | None:
        """The schema of a dotted field path, ``[]`` stepping into array items (``data[].id``)."""
        view: SchemaView | None = self
        for part in field.split("."):
            name, into_items = (part[:-2], True) if part.endswith("[]") else (part, False)
            view = view.property(name) if view is not None else None
            if into_items and view is not None:
                view = view.items()
            if view is None:
                return None
        return view


def _registry(spec: dict[str, Any]) -> Registry:
    return Registry().with_resource(SPEC_URI, Resource.from_contents(spec, DRAFT202012))


def validator(spec: dict[str, Any], pointer: str) -> Draft202012Validator:
    """A Draft 2020-12 validator (formats asserted) for the schema at ``pointer`` in ``spec``."""
    return Draft202012Validator(
        {"$ref": f"{SPEC_URI}#{pointer}"},
        registry=_registry(spec),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def validation_errors(spec: dict[str, Any], pointer: str, instance: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator(spec, pointer).iter_errors(instance)
    ]
