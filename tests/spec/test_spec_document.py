"""The spec is a valid OpenAPI 3.1 document and every example in it matches its schema."""

from __future__ import annotations

import copy

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from spec_lint import example_problems, examples

from scrip_conformance.resources import load_spec, spec_path

EXAMPLES = list(examples(load_spec()))


def test_the_spec_is_openapi_3_1() -> None:
    assert load_spec()["openapi"].startswith("3.1.")


def test_the_spec_validates_with_openapi_spec_validator() -> None:
    validate(load_spec(), base_uri=spec_path().as_uri())


def test_the_validator_rejects_a_broken_spec() -> None:
    broken = copy.deepcopy(load_spec())
    broken["paths"]["/v1/assets/{id}"]["get"]["parameters"][0]["in"] = "body"
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


@pytest.mark.parametrize(("where", "schema_ptr", "value"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_example_matches_its_schema(where: str, schema_ptr: str, value: object) -> None:
    problems = example_problems(load_spec(), schema_ptr, value)
    assert not problems, f"{where} against {schema_ptr}: " + "; ".join(problems)


def test_the_four_seed_examples_and_the_error_example_are_among_those_checked() -> None:
    wheres = {where for where, _schema, _value in EXAMPLES}
    for path in (
        "/v1/participants/{id}/balances/lots",
        "/v1/participants/{id}",
        "/v1/reports/expiration-schedule",
        "/v1/assets/{id}",
    ):
        escaped = path.replace("~", "~0").replace("/", "~1")
        assert any(w.startswith(f"/paths/{escaped}/get/responses/200/") for w in wheres), path
    assert any(w.startswith("/components/responses/Unauthorized/") for w in wheres)


class TestExampleCheckCatchesWrongExamples:
    def test_a_bad_uuid_fails(self) -> None:
        spec = load_spec()
        problems = example_problems(
            spec, "/components/schemas/Asset", {**_seed_asset(), "id": "not-a-uuid"}
        )
        assert any("uuid" in p for p in problems)

    def test_a_bad_timestamp_fails(self) -> None:
        problems = example_problems(
            load_spec(), "/components/schemas/Asset", {**_seed_asset(), "created_at": "15/01/2024"}
        )
        assert any("date-time" in p for p in problems)

    def test_a_float_amount_fails_through_a_ref(self) -> None:
        problems = example_problems(
            load_spec(),
            "/components/schemas/LotPage",
            {"data": [{"amount": 100.0}], "pagination": {"has_more": False, "next_cursor": None}},
        )
        assert problems

    def test_an_unknown_field_fails(self) -> None:
        problems = example_problems(
            load_spec(), "/components/schemas/Asset", {**_seed_asset(), "colour": "blue"}
        )
        assert problems


def _seed_asset() -> dict:
    media = load_spec()["paths"]["/v1/assets/{id}"]["get"]["responses"]["200"]["content"]
    return copy.deepcopy(media["application/json"]["examples"]["seed"]["value"])
