"""The catalogue covers the spec: every query parameter of a read operation, every error code
and every D-* decision of openapi/scrip.yaml is exercised by at least one contract
(contracts/coverage.yaml says which), or listed with a reason in contracts/coverage-gaps.yaml.

The spec items are read from the spec itself, so a parameter, code or decision added there fails
this test until a contract covers it (or a gap names the reason none does yet)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from scrip_conformance import catalog
from scrip_conformance.resources import contracts_dir, spec_path

DECISION = re.compile(r"\*\*(D-[A-Z][A-Z-]*)\*\*")
ITEM = re.compile(r"^(param:[A-Za-z]+\.[a-z_]+|error:[a-z_]+|decision:D-[A-Z][A-Z-]*)$")


def _spec() -> dict:
    return yaml.safe_load(spec_path().read_text(encoding="utf-8"))


def _resolve(spec: dict, node: Any) -> Any:
    """``node`` with its local ``$ref`` followed (repeatedly)."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def spec_items(spec: dict) -> dict[str, set[str]]:
    """Every coverable item of the spec, by kind: GET query parameters, error codes, decisions."""
    params: set[str] = set()
    for path_item in spec["paths"].values():
        shared = path_item.get("parameters", [])
        get = path_item.get("get")
        if not get:
            continue
        for parameter in [*shared, *get.get("parameters", [])]:
            parameter = _resolve(spec, parameter)
            if parameter.get("in") == "query":
                params.add(f"param:{get['operationId']}.{parameter['name']}")
    codes: set[str] = set()
    for response in spec["components"]["responses"].values():
        _collect_codes(spec, response, codes)
    decisions = {f"decision:{d}" for d in DECISION.findall(spec["info"]["description"])}
    return {"param": params, "error": {f"error:{c}" for c in codes}, "decision": decisions}


def _collect_codes(spec: dict, node: Any, into: set[str]) -> None:
    """The values an error body's ``code`` may take in one response (enum or const)."""
    if isinstance(node, dict):
        node = _resolve(spec, node)
        code = node.get("properties", {}).get("code") if isinstance(node, dict) else None
        if isinstance(code, dict):
            into.update(code.get("enum", []))
            if "const" in code:
                into.add(code["const"])
        for value in node.values():
            _collect_codes(spec, value, into)
    elif isinstance(node, list):
        for value in node:
            _collect_codes(spec, value, into)


def _load(name: str) -> dict:
    return yaml.safe_load((contracts_dir() / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def items() -> dict[str, set[str]]:
    return spec_items(_spec())


@pytest.fixture(scope="module")
def covers() -> dict[str, list[str]]:
    return _load("coverage.yaml")["covers"]


@pytest.fixture(scope="module")
def gaps() -> dict[str, str]:
    return _load("coverage-gaps.yaml")["gaps"] or {}


def test_the_spec_has_items_of_every_kind(items):
    """The reading of the spec finds what it holds (a broken reader would cover nothing)."""
    assert "param:listParticipantLots.status" in items["param"]
    assert "param:getLiabilityReport.as_of" in items["param"]
    assert {"error:participant_inactive", "error:invalid_cursor", "error:not_found"} <= items[
        "error"
    ]
    assert {"decision:D-CLOCK", "decision:D-PAGINATION", "decision:D-OVERDRAFT"} <= items[
        "decision"
    ]
    assert not any(i.startswith("param:create") for i in items["param"])  # reads only


def test_every_coverage_entry_names_a_catalogued_contract(covers):
    unknown = sorted(set(covers) - set(catalog.load()))
    assert not unknown, f"contracts/coverage.yaml names contracts not in the catalogue: {unknown}"


def test_every_covered_item_is_in_the_spec(covers, items):
    known = set().union(*items.values())
    bad = {c: [i for i in listed if i not in known] for c, listed in covers.items()}
    bad = {c: listed for c, listed in bad.items() if listed}
    assert not bad, f"contracts/coverage.yaml names items the spec does not define: {bad}"
    malformed = [i for listed in covers.values() for i in listed if not ITEM.match(i)]
    assert not malformed


def uncovered(items: set[str], covers: dict[str, list[str]], gaps: dict[str, str]) -> list[str]:
    """The spec items no contract covers and no gap lists."""
    covered = {i for listed in covers.values() for i in listed}
    return sorted(items - covered - set(gaps))


def test_a_parameter_that_loses_its_contract_is_reported(items, covers, gaps):
    """The check has teeth: drop the contract of the as_of parameter and it is reported."""
    pruned = {
        c: [i for i in listed if i != "param:getLiabilityReport.as_of"]
        for c, listed in covers.items()
    }
    assert uncovered(items["param"], pruned, gaps) == ["param:getLiabilityReport.as_of"]


@pytest.mark.parametrize("kind", ["param", "error", "decision"])
def test_every_spec_item_is_covered_by_a_contract_or_a_stated_gap(kind, items, covers, gaps):
    missing = uncovered(items[kind], covers, gaps)
    assert not missing, (
        f"spec {kind}s no contract exercises (add a contract and list it in "
        f"contracts/coverage.yaml, or a gap with its reason in contracts/coverage-gaps.yaml): "
        f"{missing}"
    )


def test_every_gap_is_a_real_uncovered_spec_item_with_a_reason(items, covers, gaps):
    known = set().union(*items.values())
    covered = {i for listed in covers.values() for i in listed}
    assert not sorted(set(gaps) - known), "gaps naming items the spec does not define"
    assert not sorted(set(gaps) & covered), "gaps a contract now covers: remove them"
    assert all(isinstance(r, str) and len(r.split()) >= 4 for r in gaps.values()), (
        "every gap needs a one-line reason"
    )
