"""Read a YAML text as a YAML 1.2 tool does, to find what only a YAML 1.1 reader (PyYAML) sees.

Third-party OpenAPI tools parse YAML 1.2: a merge key (``<<``) is a plain key there, ``yes`` and
``on`` are strings, ``017`` is seventeen. :func:`yaml11_only_constructs` names every place where the
file would read differently.
"""

from __future__ import annotations

import io
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode


def _yaml12() -> YAML:
    reader = YAML(typ="safe", pure=True)
    reader.version = (1, 2)
    return reader


def merge_keys(text: str) -> list[str]:
    """Where the text uses a ``<<`` merge key (YAML 1.1 only), as ``line N``."""
    reader = YAML(typ="rt", pure=True)
    found: list[str] = []
    seen: set[int] = set()

    def walk(node: Node | None) -> None:
        if node is None or id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if key.value == "<<" and key.style is None:
                    found.append(f"line {key.start_mark.line + 1}")
                walk(key)
                walk(value)
        elif isinstance(node, SequenceNode):
            for item in node.value:
                walk(item)

    walk(reader.compose(io.StringIO(text)))
    return found


def differences(left: Any, right: Any, path: str = "") -> list[str]:
    """Where two parsed documents differ (value and type), as JSON-pointer-like paths."""
    if isinstance(left, dict) and isinstance(right, dict):
        out = []
        for key in sorted(set(left) | set(right), key=str):
            where = f"{path}/{key}"
            if key not in left or key not in right:
                out.append(f"{where}: only in {'PyYAML' if key in left else 'YAML 1.2'}")
            else:
                out += differences(left[key], right[key], where)
        return out
    if isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            return [f"{path}: {len(left)} items in PyYAML, {len(right)} in YAML 1.2"]
        pairs = enumerate(zip(left, right, strict=True))
        return [d for i, (a, b) in pairs for d in differences(a, b, f"{path}/{i}")]
    if type(left) is not type(right) or left != right:
        return [f"{path or '/'}: PyYAML reads {left!r}, YAML 1.2 reads {right!r}"]
    return []


def yaml11_only_constructs(text: str) -> list[str]:
    """Every merge key, and every value PyYAML (YAML 1.1) reads otherwise than YAML 1.2."""
    problems = [f"merge key `<<` at {where}" for where in merge_keys(text)]
    return problems + differences(yaml.safe_load(text), _yaml12().load(text))
