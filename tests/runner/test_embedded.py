"""The embedded target: the reference server in a process of its own, counted from this one."""

from __future__ import annotations

import multiprocessing
import os

import httpx
import pytest

from scrip_conformance.runner import embedded


def test_the_embedded_reference_serves_both_keys_from_another_process_and_stops_with_the_block():
    with embedded.embedded_target() as target:
        with httpx.Client(base_url=target.base_url, timeout=10) as client:
            first = client.get("/v1/assets", headers={"X-API-Key": target.api_key})
            second = client.get("/v1/assets", headers={"X-API-Key": target.second_org_key})
            refused = client.get("/v1/assets")
        assert first.status_code == 200 and first.json()["data"]  # the demo data, org A
        assert second.status_code == 200 and second.json()["data"] == []  # org B is empty
        assert refused.status_code == 401
        assert target.requests_answered() == 3
        assert target.server_cpu_seconds() > 0
        servers = [p for p in multiprocessing.active_children() if p.name == "scrip-reference"]
        assert len(servers) == 1 and servers[0].pid != os.getpid()
    with pytest.raises(httpx.TransportError):
        httpx.get(target.base_url + "/v1/assets", timeout=2)
    assert not servers[0].is_alive()


def test_a_server_that_cannot_start_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(embedded, "_serve", _fails_to_start)
    with pytest.raises(RuntimeError, match="failed to start: OSError: no port"):
        with embedded.embedded_target():
            pass


def _fails_to_start(api_keys, count, cpu, conn):
    conn.send(("error", "OSError: no port"))
