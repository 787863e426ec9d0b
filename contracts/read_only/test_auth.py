"""Authentication on every GET operation: 401 with a JSON error for a missing, empty or wrong
key, before any other error; Authorization: Bearer as an alternative."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from scrip_conformance.invariants import errors
from scrip_conformance.prefetch import get_all
from scrip_conformance.pytest_plugin import not_run, require_feature
from scrip_conformance.resources import load_spec
from scrip_conformance.sampling import rotation
from scrip_conformance.violations import ContractFailure, raise_if_any

from ._support import rng

WINDOW = {"from": "2026-01-01T00:00:00Z", "to": "2026-12-31T23:59:59Z"}


def get_operations() -> list[tuple[str, str]]:
    """(operationId, path template) of every GET operation in the spec."""
    return [
        (item["get"]["operationId"], path)
        for path, item in load_spec()["paths"].items()
        if "get" in item
    ]


def concrete(path: str, discovery, target) -> tuple[str, dict]:
    """A path with real ids where the walk found some, and the required query parameters."""
    participant = discovery.first_participant_id
    asset = next(iter(discovery.lot_assets()), None) or next(iter(discovery.asset_by_id()), None)
    fallback = str(uuid.UUID(int=rng(target, "auth-ids").getrandbits(128), version=4))
    if "/participants/{id}" in path:
        path = path.replace("{id}", participant or fallback)
    path = path.replace("{id}", asset or fallback)
    query: dict = {}
    if path.endswith("/balances/lots"):
        query["asset_id"] = asset or fallback
    if path.endswith("/expiration-schedule"):
        query.update(WINDOW)
    return path, query


def unauthorized(response, contract_id, summary) -> list:
    found = errors.check_expected_error(
        response.status_code, response.body, 401, {"unauthorized"}, contract_id, summary
    )
    found += errors.check_json_body(
        response.status_code, response.headers, response.is_json, response.text
    )
    return [dataclasses.replace(v, contract_id=contract_id, request=response.curl) for v in found]


CASES = {
    "AUTH-MISSING-KEY-401": ((None, "no key"), ("", "an empty key")),
    "AUTH-WRONG-KEY-401": (("scrip-conformance-wrong-key", "an unknown key"),),
}


@pytest.mark.parametrize(
    "contract_id",
    [pytest.param(c, id=c, marks=pytest.mark.contract(c)) for c in CASES],
)
def test_every_get_operation_refuses_a_bad_key(contract_id, api, discovery, target, witness):
    found = []
    witness(contract_id, "requests with a bad key", 0)
    ways = [
        (key, label, bearer)
        for key, label in CASES[contract_id]
        for bearer in (False, True)
        if not bearer or (key not in (None, "") and target.supports("bearer-auth"))
    ]
    # every way to every operation, or (smaller budgets) ``bad_keys`` ways per operation in
    # turn; with ``auth_split`` the two contracts share the operations, every other one each
    # (every operation still gets a bad key, every way is still sent)
    per_operation = target.limits.get("bad_keys")
    split = target.limits.get("auth_split")
    mine = list(CASES).index(contract_id)
    tried = []  # (what was sent, the read)
    place = 0
    for index, (operation_id, template) in enumerate(get_operations()):
        if operation_id == "getLiabilityReport" and not target.supports("liability-report"):
            continue  # --unsupported liability-report: the route is never called
        if split and index % len(CASES) != mine:
            continue
        path, query = concrete(template, discovery, target)
        for key, label, bearer in rotation(ways, place, per_operation):
            how = "Authorization: Bearer" if bearer else "X-API-Key"
            read = (path, query, {"key": key, "bearer": bearer})
            tried.append((f"{operation_id} with {label} ({how})", read))
        place += 1
    answers = get_all(api, [read for _, read in tried], target.concurrency)
    for (what, _), response in zip(tried, answers, strict=True):
        witness(contract_id, "requests with a bad key")
        found += unauthorized(response, contract_id, f"{what} is not refused")
    raise_if_any(found)


@pytest.mark.contract("AUTH-401-PRECEDES-OTHER-ERRORS")
def test_a_bad_key_gets_401_before_any_other_error(api, target, witness):
    unknown = str(uuid.UUID(int=rng(target, "auth-precedence").getrandbits(128), version=4))
    probes = [
        ("/v1/assets", {"limit": "0"}),
        ("/v1/participants", {"cursor": "not-a-cursor"}),
        (f"/v1/participants/{unknown}", {}),
        ("/v1/assets/not-a-uuid", {}),
        (
            "/v1/reports/expiration-schedule",
            {"from": "2027-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
        ),
    ]
    found = []
    reads = [(path, query, {"key": "scrip-conformance-wrong-key"}) for path, query in probes]
    for response in get_all(api, reads, target.concurrency):
        witness("AUTH-401-PRECEDES-OTHER-ERRORS", "invalid requests with a bad key")
        found += unauthorized(
            response,
            "AUTH-401-PRECEDES-OTHER-ERRORS",
            "an invalid request with a bad key is not 401",
        )
    raise_if_any(found)


@pytest.mark.contract("AUTH-BEARER-ACCEPTED")
def test_bearer_authorization_is_accepted(api, target, witness):
    require_feature(target, "bearer-auth")
    with_header = api.get("/v1/assets", {"limit": 5})
    if with_header.status_code != 200:
        not_run(f"the key itself is refused (status {with_header.status_code})")
    with_bearer = api.get("/v1/assets", {"limit": 5}, bearer=True)
    body = with_bearer.expect(200, "AUTH-BEARER-ACCEPTED", "Authorization: Bearer is refused")
    witness("AUTH-BEARER-ACCEPTED", "answers compared (Bearer and X-API-Key)")
    if body != with_header.body:
        raise ContractFailure(
            [
                with_bearer.violation(
                    "AUTH-BEARER-ACCEPTED",
                    "Bearer sees other data than X-API-Key",
                    "the same answer as with X-API-Key",
                )
            ]
        )
