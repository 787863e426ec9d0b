"""The latency relay: what the network benchmark and the distant-target tests stand on."""

from __future__ import annotations

import time

import httpx
import pytest

from scrip_conformance.reference.server import ReferenceServer
from scrip_conformance.selftest.relay import LatencyRelay


@pytest.fixture(scope="module")
def reference():
    with ReferenceServer(api_keys={"sk_relay": "org-relay"}) as server:
        yield server


def _fastest_of(client: httpx.Client, n: int) -> float:
    times = []
    for _ in range(n):
        started = time.monotonic()
        response = client.get("/v1/programs")
        times.append(time.monotonic() - started)
        assert response.status_code == 200
    return min(times)


def test_the_relay_passes_answers_through_unchanged(reference):
    headers = {"X-API-Key": "sk_relay"}
    with LatencyRelay(reference.host, reference.port, rtt=0.0) as relay:
        direct = httpx.post(
            f"{reference.base_url}/v1/programs", json={"name": "p"}, headers=headers
        )
        relayed = httpx.get(f"{relay.base_url}/v1/programs", headers=headers)
    assert direct.status_code == 201
    assert relayed.status_code == 200
    assert [p["id"] for p in relayed.json()["data"]] == [direct.json()["id"]]


def test_every_exchange_through_the_relay_costs_at_least_its_round_trip(reference):
    # a lower bound only: the relay never forwards early, whatever the machine's load
    with LatencyRelay(reference.host, reference.port, rtt=0.05) as relay:
        with httpx.Client(base_url=relay.base_url, headers={"X-API-Key": "sk_relay"}) as client:
            assert _fastest_of(client, 5) >= 0.05
        assert relay.connections == 1  # keep-alive: one connection carried all five


def test_a_negative_round_trip_is_refused():
    with pytest.raises(ValueError):
        LatencyRelay("127.0.0.1", 1, rtt=-0.01)
