"""Every fact of the four seed pages (``seed_facts.yaml``) holds in the spec."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from seed_fact_checks import CHECKS, check_fact, load_seed_facts
from spec_navigation import operation_pointer, parameters, pointer_get

from scrip_conformance.resources import load_spec

FACTS = load_seed_facts()["facts"]
SEED_ENDPOINTS = {
    "GET /v1/participants/{id}/balances/lots",
    "GET /v1/participants/{id}",
    "GET /v1/reports/expiration-schedule",
    "GET /v1/assets/{id}",
}


def _fact(fact_id: str) -> dict[str, Any]:
    return next(f for f in FACTS if f["id"] == fact_id)


@pytest.mark.parametrize("fact", FACTS, ids=[f["id"] for f in FACTS])
def test_seed_fact_holds_in_the_spec(fact: dict[str, Any]) -> None:
    problems = check_fact(load_spec(), fact)
    assert not problems, f"{fact['id']} ({fact['page']}, {fact['endpoint']}): " + "; ".join(
        problems
    )


def required_parameters(spec: dict[str, Any], endpoint: str) -> set[tuple[str, str]]:
    method, path = endpoint.split(" ", 1)
    op_ptr = operation_pointer(spec, method, path)
    return {
        key
        for key, ptr in parameters(spec, op_ptr).items()
        if pointer_get(spec, ptr).get("required", False)
    }


@pytest.mark.parametrize("endpoint", sorted(SEED_ENDPOINTS))
def test_seed_endpoint_requires_no_parameter_beyond_the_seed(endpoint: str) -> None:
    seed_required = {
        (f["in"], f["name"])
        for f in FACTS
        if f["kind"] == "parameter" and f["endpoint"] == endpoint and f["required"]
    }
    assert required_parameters(load_spec(), endpoint) == seed_required


def test_an_extra_required_parameter_is_caught() -> None:
    spec = copy.deepcopy(load_spec())
    op = spec["paths"]["/v1/reports/expiration-schedule"]["get"]
    op["parameters"].append({"name": "tz", "in": "query", "required": True, "schema": {}})
    assert ("query", "tz") in required_parameters(spec, "GET /v1/reports/expiration-schedule")


class TestFactTable:
    """The table itself is well formed and complete for the four seed pages."""

    def test_fact_ids_are_unique(self) -> None:
        ids = [f["id"] for f in FACTS]
        assert len(ids) == len(set(ids))

    def test_every_fact_names_a_known_kind_and_its_source_page(self) -> None:
        pages = load_seed_facts()["pages"]
        for fact in FACTS:
            assert fact["kind"] in CHECKS, fact["id"]
            assert pages.get(fact["page"]) == fact["endpoint"], fact["id"]

    def test_each_seed_endpoint_has_operation_security_and_example_facts(self) -> None:
        for endpoint in SEED_ENDPOINTS:
            kinds = {f["kind"] for f in FACTS if f["endpoint"] == endpoint}
            assert {"operation", "security", "example", "response_field"} <= kinds, endpoint

    def test_every_key_of_each_seed_example_has_a_field_fact(self) -> None:
        for example in (f for f in FACTS if f["kind"] == "example"):
            fields = {
                f["field"]
                for f in FACTS
                if f["kind"] == "response_field" and f["endpoint"] == example["endpoint"]
            }
            missing = set(_field_paths(example["value"])) - fields
            assert not missing, f"{example['endpoint']}: no fact for {sorted(missing)}"

    def test_list_endpoints_have_the_envelope_and_pagination_parameters(self) -> None:
        lots = "GET /v1/participants/{id}/balances/lots"
        schedule = "GET /v1/reports/expiration-schedule"
        for endpoint in (lots, schedule):
            assert any(f["kind"] == "envelope" and f["endpoint"] == endpoint for f in FACTS)
        lots_params = {
            f["name"] for f in FACTS if f["kind"] == "parameter" and f["endpoint"] == lots
        }
        assert {"limit", "cursor"} <= lots_params


def _field_paths(value: Any, prefix: str = "") -> list[str]:
    """Dotted paths of an example's keys, descending into objects and the first array item."""
    paths: list[str] = []
    if isinstance(value, dict):
        for key, sub in value.items():
            path = f"{prefix}{key}"
            paths.append(path)
            if isinstance(sub, list) and sub and isinstance(sub[0], dict):
                paths += _field_paths(sub[0], f"{path}[].")
            elif isinstance(sub, dict) and key == "pagination":
                paths += _field_paths(sub, f"{path}.")
    return paths


class TestFactChecksCatchWrongSpecs:
    """Each kind of check fails on a spec that breaks its fact (so a pass means something)."""

    @staticmethod
    def _broken(mutate) -> dict[str, Any]:
        spec = copy.deepcopy(load_spec())
        mutate(spec)
        return spec

    def test_a_changed_limit_bound_is_caught(self) -> None:
        def mutate(spec):
            spec["components"]["parameters"]["Limit"]["schema"]["maximum"] = 500

        problems = check_fact(self._broken(mutate), _fact("lots.param.query.limit"))
        assert any("maximum" in p for p in problems)

    def test_a_changed_granularity_default_is_caught(self) -> None:
        def mutate(spec):
            op = spec["paths"]["/v1/reports/expiration-schedule"]["get"]
            gran = next(p for p in op["parameters"] if p.get("name") == "granularity")
            gran["schema"]["default"] = "day"

        problems = check_fact(self._broken(mutate), _fact("schedule.param.query.granularity"))
        assert any("default" in p for p in problems)

    def test_an_optional_required_parameter_is_caught(self) -> None:
        def mutate(spec):
            op = spec["paths"]["/v1/participants/{id}/balances/lots"]["get"]
            asset = next(p for p in op["parameters"] if p.get("name") == "asset_id")
            asset["required"] = False

        assert check_fact(self._broken(mutate), _fact("lots.param.query.asset_id"))

    def test_a_missing_enum_value_is_caught(self) -> None:
        def mutate(spec):
            spec["components"]["schemas"]["LotStatus"]["enum"].remove("DEFERRED")

        assert check_fact(self._broken(mutate), _fact("lots.field.data.status"))

    def test_a_non_nullable_optional_field_is_caught(self) -> None:
        def mutate(spec):
            spec["components"]["schemas"]["Asset"]["properties"]["max_transaction_amount"][
                "type"
            ] = "string"

        problems = check_fact(self._broken(mutate), _fact("asset.field.max_transaction_amount"))
        assert any("null" in p for p in problems)

    def test_a_wrong_field_type_is_caught(self) -> None:
        def mutate(spec):
            spec["components"]["schemas"]["ScheduleBucket"]["properties"]["lot_count"] = {
                "type": "string"
            }

        assert check_fact(self._broken(mutate), _fact("schedule.field.data.buckets.lot_count"))

    def test_a_missing_field_is_caught(self) -> None:
        def mutate(spec):
            del spec["components"]["schemas"]["Participant"]["properties"]["tiers"]

        assert check_fact(self._broken(mutate), _fact("participant.field.tiers"))

    def test_an_altered_example_is_caught(self) -> None:
        def mutate(spec):
            media = spec["paths"]["/v1/assets/{id}"]["get"]["responses"]["200"]["content"]
            media["application/json"]["examples"]["seed"]["value"]["scale"] = 3

        assert check_fact(self._broken(mutate), _fact("asset.example"))

    def test_an_operation_without_the_key_requirement_is_caught(self) -> None:
        def mutate(spec):
            spec["paths"]["/v1/assets/{id}"]["get"]["security"] = [{}]

        assert check_fact(self._broken(mutate), _fact("asset.security"))

    def test_a_schedule_without_the_simple_asset_400_is_caught(self) -> None:
        def mutate(spec):
            del spec["paths"]["/v1/reports/expiration-schedule"]["get"]["responses"]["400"]

        assert check_fact(self._broken(mutate), _fact("schedule.error.400.simple_asset"))

    def test_an_optional_cursor_in_the_envelope_is_caught(self) -> None:
        def mutate(spec):
            spec["components"]["schemas"]["Pagination"]["required"] = ["has_more"]

        assert check_fact(self._broken(mutate), _fact("lots.envelope"))
