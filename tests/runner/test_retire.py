"""The end-of-run retirement of the run's sandbox: every asset the run created is archived and
every participant closed, with one request each, except what the run's last write to it already
left CLOSED or ARCHIVED (a request that would change nothing)."""

from __future__ import annotations

import httpx
import pytest

from scrip_conformance.client import TargetClient
from scrip_conformance.reference.server import ReferenceServer
from scrip_conformance.runner.retire import retire_sandbox
from scrip_conformance.safety import writes

KEY = "sk_retire"


@pytest.fixture(autouse=True)
def fresh_guard():
    writes.reset()
    yield
    writes.reset()


def _participant(client: TargetClient, program: str, name: str, status: str | None = None) -> str:
    body = {"external_id": f"scretire01-{name}", "program_id": program}
    if status:
        body["status"] = status
    return client.request("POST", "/v1/participants", json=body).body["id"]


def _status(client: TargetClient, external_id: str, status: str) -> None:
    body = {"external_id": f"scretire01-{external_id}", "status": status}
    assert client.request("POST", "/v1/participants", json=body).status_code == 200


@pytest.mark.parametrize("concurrency", [1, 4])
def test_only_participants_not_already_closed_are_closed_and_everything_ends_retired(concurrency):
    with ReferenceServer(api_keys={KEY: "org-retire"}) as server:
        client = TargetClient(server.base_url, KEY, read_only=False)
        writes.current().allow_prefix("scretire01")
        program = client.request(
            "POST", "/v1/programs", json={"name": "scretire01-program", "description": "d"}
        ).body["id"]
        asset = {"program_id": program, "name": "scretire01-a", "symbol": "SCRETIRE"}
        asset |= {"inventory_mode": "LOT", "issuance_policy": "UNLIMITED", "scale": 2}
        asset_id = client.request("POST", "/v1/assets", json=asset).body["id"]
        archived_id = client.request("POST", "/v1/assets", json=asset | {"symbol": "SCRET2"})
        archived_id = archived_id.body["id"]
        patch = {"status": "ARCHIVED"}
        assert client.request("PATCH", f"/v1/assets/{archived_id}", json=patch).status_code == 200
        ids = {
            "active": _participant(client, program, "active"),
            "created-closed": _participant(client, program, "created-closed", "CLOSED"),
            "suspended": _participant(client, program, "suspended", "SUSPENDED"),
            "reopened": _participant(client, program, "reopened", "CLOSED"),
            "closed-later": _participant(client, program, "closed-later"),
        }
        _status(client, "reopened", "ACTIVE")
        _status(client, "closed-later", "CLOSED")
        note = retire_sandbox(server.base_url, 10.0, concurrency)
        with httpx.Client(base_url=server.base_url, headers={"X-API-Key": KEY}) as plain:
            statuses = {
                name: plain.get(f"/v1/participants/{pid}").json()["status"]
                for name, pid in ids.items()
            }
            archived = {
                plain.get(f"/v1/assets/{a}").json()["status"] for a in (asset_id, archived_id)
            }
        client.close()
    assert set(statuses.values()) == {"CLOSED"} and archived == {"ARCHIVED"}
    # one request each for the active asset and the three participants not already closed
    assert "1 asset(s) archived, 3 participant(s) closed (3 more already were)" in note
