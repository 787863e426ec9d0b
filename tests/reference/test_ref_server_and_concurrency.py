"""ReferenceServer lifecycle and concurrent writers against a live server."""

from __future__ import annotations

import logging
import socket
import sys
import threading
import time
from decimal import Decimal

import httpx

from scrip_conformance import spec_schemas
from scrip_conformance.reference.ledger import Ledger
from scrip_conformance.reference.server import ReferenceServer

KEYS = {"sk_a": "org-a", "sk_b": "org-b"}


def test_server_starts_serves_and_stops_repeatedly():
    urls = []
    for _ in range(2):
        with ReferenceServer(api_keys=KEYS) as srv:
            urls.append(srv.base_url)
            r = httpx.get(f"{srv.base_url}/v1/programs", headers={"X-API-Key": "sk_a"})
            assert r.status_code == 200
            assert not spec_schemas.validate_response("listPrograms", 200, r.json(), r.headers)
        try:
            httpx.get(f"{urls[-1]}/v1/programs", timeout=0.5)
            raise AssertionError("server still answering after exit")
        except httpx.TransportError:
            pass
    assert all(u.startswith("http://127.0.0.1:") for u in urls)


def _setup(client: httpx.Client, funds: str) -> dict:
    program = client.post("/v1/programs", json={"name": "C"}).json()["id"]
    asset = client.post(
        "/v1/assets",
        json={
            "program_id": program,
            "name": "Pts",
            "symbol": "PTS",
            "inventory_mode": "LOT",
            "issuance_policy": "UNLIMITED",
            "scale": 2,
        },
    ).json()["id"]
    pid = client.post("/v1/participants", json={"external_id": "c1", "program_id": program}).json()[
        "id"
    ]
    for _ in range(4):
        r = client.post(
            f"/v1/participants/{pid}/balances/adjust",
            json={
                "program_id": program,
                "asset_id": asset,
                "type": "CREDIT",
                "amount": funds,
                "description": "fund",
            },
        )
        assert r.status_code == 200
    return {"program": program, "asset": asset, "pid": pid}


class SlowReadLedger(Ledger):
    """The reference ledger with a slow lot read: widens every read-then-write window, so a
    write path that is not one isolated transaction would interleave and lose updates."""

    def select_lots(self, *args, **kwargs):
        lots = super().select_lots(*args, **kwargs)
        time.sleep(0.002)
        return lots


def test_parallel_debits_and_holds_never_overdraw_nor_lose_updates():
    # switch threads far more often than the default 5 ms so that requests really interleave
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        _race(SlowReadLedger)
    finally:
        sys.setswitchinterval(previous)


def _race(factory: type) -> None:
    with ReferenceServer(api_keys=KEYS, ledger_factory=factory) as srv:
        headers = {"X-API-Key": "sk_a"}
        with httpx.Client(base_url=srv.base_url, headers=headers) as client:
            w = _setup(client, "25.00")  # 100.00 in four lots
        results: list[tuple[str, int]] = []
        lock = threading.Lock()

        def worker(n: int) -> None:
            with httpx.Client(base_url=srv.base_url, headers=headers, timeout=30) as client:
                for i in range(8):
                    kind = "hold" if (n + i) % 2 else "adjust"
                    body = {
                        "program_id": w["program"],
                        "asset_id": w["asset"],
                        "description": "race",
                        "amount": "3.00",
                    }
                    if kind == "adjust":
                        body["type"] = "DEBIT"
                    r = client.post(f"/v1/participants/{w['pid']}/balances/{kind}", json=body)
                    op = (
                        "adjustParticipantBalance" if kind == "adjust" else "holdParticipantBalance"
                    )
                    assert not spec_schemas.validate_response(op, r.status_code, r.json())
                    with lock:
                        results.append((kind, r.status_code))

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        ok = [k for k, status in results if status == 200]
        assert {status for _, status in results} <= {200, 422}
        assert len(ok) == 33  # 100.00 / 3.00: exactly 33 succeed, every other is refused
        with httpx.Client(base_url=srv.base_url, headers=headers) as client:
            bal = client.get(f"/v1/participants/{w['pid']}/balances").json()["data"][0]
            lots = client.get(
                f"/v1/participants/{w['pid']}/balances/lots",
                params={"asset_id": w["asset"], "limit": 200},
            ).json()["data"]
        held = sum(Decimal("3") for k in ok if k == "hold")
        assert Decimal(bal["held"]) == held
        assert Decimal(bal["available"]) == Decimal("100") - Decimal("3") * len(ok) >= 0
        assert sum(Decimal(lot["remaining"]) for lot in lots) == Decimal(bal["available"]) + held


def test_demo_server_belongs_to_the_first_key_only():
    with ReferenceServer(api_keys=KEYS, demo=True) as srv:
        a = httpx.get(f"{srv.base_url}/v1/assets", headers={"X-API-Key": "sk_a"}).json()
        b = httpx.get(f"{srv.base_url}/v1/assets", headers={"X-API-Key": "sk_b"}).json()
        assert len(a["data"]) == 4 and b["data"] == []


def test_a_request_that_breaks_http_gets_400_and_no_warning_line():
    seen: list[str] = []

    class Seen(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    handler = Seen()
    with ReferenceServer(api_keys=KEYS) as srv:
        logger = logging.getLogger("uvicorn.error")  # configured by uvicorn as the server starts
        logger.addHandler(handler)
        try:
            with socket.create_connection((srv.host, srv.port)) as conn:
                conn.sendall(b"GET /v1/assets HTTP/1.1\r\nHost: x\r\nBad\x01Name: v\r\n\r\n")
                answer = conn.recv(200)
        finally:
            logger.removeHandler(handler)
    assert answer.startswith(b"HTTP/1.1 400")
    assert not [m for m in seen if "Invalid HTTP request" in m]
