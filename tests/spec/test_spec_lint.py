"""House rules of the spec: operations, error bodies, extensions, links and the neighbours."""

from __future__ import annotations

import copy

import pytest
from spec_lint import (
    all_link_problems,
    all_links,
    duplicate_operation_ids,
    extension_pointers,
    extension_problems,
    link_problems,
    operation_problems,
    rate_limit_header_problems,
)
from spec_navigation import (
    SchemaView,
    operation_pointer,
    operations,
    pointer_get,
    response_schema_pointer,
    validation_errors,
)

from scrip_conformance.resources import load_spec

OPERATIONS = list(operations(load_spec()))
LINKS = all_links(load_spec())

# The neighbours of the seed endpoints that issue 2 asks for, by method and path.
NEIGHBOURS = [
    ("get", "/v1/assets"),
    ("get", "/v1/participants"),
    ("get", "/v1/participants/{id}/balances"),
    ("get", "/v1/programs"),
    ("post", "/v1/programs"),
    ("post", "/v1/assets"),
    ("patch", "/v1/assets/{id}"),
    ("post", "/v1/programs/{id}/assets"),
    ("post", "/v1/participants"),
    ("post", "/v1/participants/{id}/balances/adjust"),
    ("post", "/v1/participants/{id}/balances/hold"),
    ("post", "/v1/participants/{id}/balances/release"),
    ("post", "/v1/participants/{id}/balances/forfeit"),
    ("post", "/v1/participants/{id}/balances/void-hold"),
    ("get", "/v1/reports/liability"),
]
DOCUMENTED_ERROR_STATUSES = {"400", "401", "403", "404", "409", "422", "429"}


@pytest.mark.parametrize(
    "op_ptr",
    [ptr for _m, _p, ptr in OPERATIONS],
    ids=[f"{m.upper()} {p}" for m, p, _ in OPERATIONS],
)
def test_operation_follows_the_house_rules(op_ptr: str) -> None:
    problems = operation_problems(load_spec(), op_ptr)
    assert not problems, "; ".join(problems)


@pytest.mark.parametrize(
    "op_ptr",
    [ptr for _m, _p, ptr in OPERATIONS],
    ids=[f"{m.upper()} {p}" for m, p, _ in OPERATIONS],
)
def test_every_response_declares_the_rate_limit_headers(op_ptr: str) -> None:
    problems = rate_limit_header_problems(load_spec(), op_ptr)
    assert not problems, "; ".join(problems)


def test_operation_ids_are_unique() -> None:
    assert not duplicate_operation_ids(load_spec())


def test_the_error_schema_requires_code_and_message() -> None:
    error = SchemaView(load_spec(), "/components/schemas/Error")
    assert {"code", "message"} <= error.required
    assert error.property("code").types == {"string"}
    assert error.property("message").types == {"string"}


def test_every_documented_error_status_is_used() -> None:
    spec = load_spec()
    used = {str(s) for _m, _p, ptr in OPERATIONS for s in pointer_get(spec, ptr)["responses"]}
    assert DOCUMENTED_ERROR_STATUSES <= used


# The error codes the Scrip docs name, with their status, and an operation that answers it.
DOCUMENTED_ERROR_CODES = [
    ("400", "invalid_scale", "post", "/v1/participants/{id}/balances/adjust"),
    ("401", "unauthorized", "get", "/v1/assets/{id}"),
    ("403", "forbidden", "get", "/v1/assets/{id}"),
    ("409", "idempotency_conflict", "post", "/v1/participants/{id}/balances/hold"),
    ("429", "too_many_requests", "get", "/v1/assets/{id}"),
]


@pytest.mark.parametrize(("status", "code", "method", "path"), DOCUMENTED_ERROR_CODES)
def test_documented_error_code_fits_its_status_and_no_other(
    status: str, code: str, method: str, path: str
) -> None:
    spec = load_spec()
    op_ptr = operation_pointer(spec, method, path)
    body = {"code": code, "message": "documented"}
    assert not validation_errors(spec, response_schema_pointer(spec, op_ptr, status), body)
    for other, _code, _m, _p in DOCUMENTED_ERROR_CODES:
        other_ptr = response_schema_pointer(spec, op_ptr, other)
        if other != status and other_ptr is not None:
            assert validation_errors(spec, other_ptr, body), f"{code} also fits {other}"


@pytest.mark.parametrize(
    ("method", "path"), NEIGHBOURS, ids=[f"{m.upper()} {p}" for m, p in NEIGHBOURS]
)
def test_neighbour_operation_is_present(method: str, path: str) -> None:
    assert operation_pointer(load_spec(), method, path) is not None


def test_every_extension_field_says_it_is_an_extension() -> None:
    problems = extension_problems(load_spec())
    assert not problems, "; ".join(problems)


def test_the_adjust_credit_expiry_and_maturity_are_marked_extensions() -> None:
    marked = extension_pointers(load_spec())
    for field in ("expires_at", "matures_at"):
        assert f"/components/schemas/AdjustRequest/properties/{field}" in marked


def test_the_spec_has_links_between_operations() -> None:
    assert len(LINKS) >= 5


@pytest.mark.parametrize(("link_ptr", "source", "status", "link"), LINKS, ids=[x[0] for x in LINKS])
def test_link_names_an_existing_operation_and_its_parameters(
    link_ptr: str, source: str | None, status: str, link: dict
) -> None:
    problems = link_problems(load_spec(), link_ptr, source, status, link)
    assert not problems, "; ".join(problems)


class TestLintCatchesWrongSpecs:
    """Each rule fails on a spec that breaks it."""

    @staticmethod
    def _asset_get(spec: dict) -> dict:
        return spec["paths"]["/v1/assets/{id}"]["get"]

    def _problems_after(self, mutate) -> list[str]:
        spec = copy.deepcopy(load_spec())
        mutate(spec)
        return operation_problems(spec, "/paths/~1v1~1assets~1{id}/get")

    def test_a_missing_operation_id_is_caught(self) -> None:
        assert self._problems_after(lambda s: self._asset_get(s).pop("operationId"))

    def test_a_missing_summary_is_caught(self) -> None:
        assert self._problems_after(lambda s: self._asset_get(s).pop("summary"))

    def test_an_unauthenticated_operation_is_caught(self) -> None:
        assert self._problems_after(lambda s: self._asset_get(s).__setitem__("security", []))

    def test_a_missing_401_is_caught(self) -> None:
        assert self._problems_after(lambda s: self._asset_get(s)["responses"].pop("401"))

    def test_a_4xx_without_the_error_schema_is_caught(self) -> None:
        def mutate(spec):
            self._asset_get(spec)["responses"]["404"] = {
                "description": "x",
                "content": {"application/json": {"schema": {"type": "object"}}},
            }

        assert self._problems_after(mutate)

    def test_an_unexplained_extension_is_caught(self) -> None:
        spec = copy.deepcopy(load_spec())
        spec["components"]["schemas"]["AdjustRequest"]["properties"]["expires_at"][
            "description"
        ] = "expiry of the lot"
        assert extension_problems(spec)

    def test_a_link_to_an_unknown_operation_is_caught(self) -> None:
        spec = copy.deepcopy(load_spec())
        link = spec["paths"]["/v1/assets"]["post"]["responses"]["201"]["links"]["GetCreatedAsset"]
        link["operationId"] = "getAssetTypo"
        problems = all_link_problems(spec)
        assert any("getAssetTypo" in p for p in problems)

    def test_a_link_to_an_unknown_parameter_is_caught(self) -> None:
        spec = copy.deepcopy(load_spec())
        link = spec["paths"]["/v1/assets"]["post"]["responses"]["201"]["links"]["GetCreatedAsset"]
        link["parameters"] = {"asset": "$response.body#/id"}
        problems = all_link_problems(spec)
        assert any("'asset'" in p for p in problems)

    def test_a_link_reading_a_missing_response_field_is_caught(self) -> None:
        spec = copy.deepcopy(load_spec())
        link = spec["paths"]["/v1/assets"]["post"]["responses"]["201"]["links"]["GetCreatedAsset"]
        link["parameters"] = {"id": "$response.body#/asset_id"}
        problems = all_link_problems(spec)
        assert any("asset_id" in p for p in problems)

    def test_a_link_constant_outside_the_target_schema_is_caught(self) -> None:
        spec = copy.deepcopy(load_spec())
        link = spec["paths"]["/v1/programs"]["post"]["responses"]["201"]["links"]
        link["CreateAssetInProgram"]["requestBody"]["scale"] = 19
        assert any("19" in p for p in all_link_problems(spec))

    def test_a_429_without_retry_after_is_caught(self) -> None:
        spec = copy.deepcopy(load_spec())
        del spec["components"]["responses"]["TooManyRequests"]["headers"]["Retry-After"]
        problems = rate_limit_header_problems(spec, "/paths/~1v1~1assets~1{id}/get")
        assert any("Retry-After" in p for p in problems)
