"""Fixtures for the reference implementation's tests.

``api`` is an in-process client of a fresh reference app on a controllable clock. Every response
it receives is validated against the spec (``spec_schemas.validate_response``, headers included),
so no test can pass on a response the spec would reject.
"""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from scrip_conformance import spec_schemas
from scrip_conformance.reference.app import create_app
from scrip_conformance.resources import load_spec

KEY_A = "sk_test_a"
KEY_A2 = "sk_test_a2"
KEY_B = "sk_test_b"
KEYS = {KEY_A: "org-a", KEY_A2: "org-a", KEY_B: "org-b"}
START = datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand; starts at :data:`START`."""

    def __init__(self, now: datetime = START) -> None:
        self.current = now

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> datetime:
        self.current += timedelta(**kwargs)
        return self.current


def _operation_table() -> list[tuple[str, re.Pattern[str], str]]:
    table = []
    for path, item in load_spec()["paths"].items():
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")
        for method, op in item.items():
            if isinstance(op, dict) and "operationId" in op:
                table.append((method.upper(), pattern, op["operationId"]))
    return table


OPERATIONS = _operation_table()


def operation_for(method: str, path: str) -> str | None:
    for op_method, pattern, operation_id in OPERATIONS:
        if op_method == method.upper() and pattern.match(path):
            return operation_id
    return None


class Api:
    """HTTP calls against the app; each response is checked against the spec."""

    def __init__(self, client: TestClient, key: str | None = KEY_A) -> None:
        self.client = client
        self.key = key

    def as_key(self, key: str | None) -> Api:
        return Api(self.client, key)

    def request(self, method: str, path: str, *, headers: dict | None = None, **kw: Any):
        all_headers = {} if self.key is None else {"X-API-Key": self.key}
        all_headers.update(headers or {})
        response = self.client.request(method, path, headers=all_headers, **kw)
        operation_id = operation_for(method, path)
        if operation_id is not None:
            body = response.json()
            errors = spec_schemas.validate_response(
                operation_id, response.status_code, body, response.headers
            )
            assert not errors, f"{method} {path} -> {response.status_code}: {errors}"
        return response

    def get(self, path: str, **kw: Any):
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any):
        return self.request("POST", path, json=body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any):
        return self.request("PATCH", path, json=body, **kw)

    # --- shortcuts that build a small world
    def program(self, name: str = "Rewards") -> dict:
        r = self.post("/v1/programs", {"name": name})
        assert r.status_code == 201, r.text
        return r.json()

    def asset(
        self,
        program_id: str,
        symbol: str = "PTS",
        *,
        scale: int = 2,
        mode: str = "LOT",
        **extra: Any,
    ) -> dict:
        body = {
            "program_id": program_id,
            "name": f"{symbol} asset",
            "symbol": symbol,
            "inventory_mode": mode,
            "issuance_policy": "UNLIMITED",
            "scale": scale,
            **extra,
        }
        r = self.post("/v1/assets", body)
        assert r.status_code == 201, r.text
        return r.json()

    def participant(self, external_id: str = "user-1", **extra: Any) -> dict:
        r = self.post("/v1/participants", {"external_id": external_id, **extra})
        assert r.status_code in (200, 201), r.text
        return r.json()

    def adjust(self, pid: str, world: dict, amount: str, type_: str = "CREDIT", **extra: Any):
        body = {
            "program_id": world["program"],
            "asset_id": world["asset"],
            "type": type_,
            "amount": amount,
            "description": "test",
            **extra,
        }
        return self.post(f"/v1/participants/{pid}/balances/adjust", body)

    def op(self, name: str, pid: str, world: dict, **extra: Any):
        body = {
            "program_id": world["program"],
            "asset_id": world["asset"],
            "description": "test",
            **extra,
        }
        return self.post(f"/v1/participants/{pid}/balances/{name}", body)

    def lots(self, pid: str, asset_id: str, **params: Any) -> list[dict]:
        out, cursor = [], None
        while True:
            query = {"asset_id": asset_id, "limit": 200, **params}
            if cursor:
                query["cursor"] = cursor
            r = self.get(f"/v1/participants/{pid}/balances/lots", params=query)
            assert r.status_code == 200, r.text
            out += r.json()["data"]
            cursor = r.json()["pagination"]["next_cursor"]
            if not cursor:
                return out

    def balance(self, pid: str, asset_id: str) -> dict:
        r = self.get(f"/v1/participants/{pid}/balances", params={"asset_id": asset_id})
        assert r.status_code == 200, r.text
        rows = r.json()["data"]
        return rows[0] if rows else {}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(clock: Clock):
    return create_app(api_keys=KEYS, clock=clock)


@pytest.fixture
def api(app) -> Api:
    with TestClient(app, raise_server_exceptions=True) as client:
        yield Api(client)


@pytest.fixture
def world(api: Api) -> dict:
    """A program, a LOT asset at scale 2 linked to it, and one ACTIVE participant."""
    program = api.program()
    asset = api.asset(program["id"])
    participant = api.participant(program_id=program["id"])
    return {"program": program["id"], "asset": asset["id"], "pid": participant["id"], "scale": 2}
