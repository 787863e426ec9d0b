"""A small HTTP scenario helper for the variants' symptoms: a fresh program, LOT asset and
participant on a running server, and one-line calls for the writes and reads a symptom needs."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

_COUNTER = itertools.count(1)


def stamp(delta: timedelta) -> str:
    """An RFC 3339 UTC timestamp ``delta`` from now."""
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Probe:
    """Talks to one server with one organization's key; ``other`` (optional) is a second
    organization's key. Creates its own program, asset (scale 2 unless told) and participant."""

    def __init__(self, base_url: str, key: str, other: str | None = None) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=10.0)
        self.key = key
        self.other = other
        n = next(_COUNTER)
        self.program = self.post("/v1/programs", {"name": f"selftest {n}"}).json()["id"]
        self.asset = self.new_asset(2)
        self.participant = self.new_participant()

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Probe:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ raw calls
    def headers(self, key: str | None = None) -> dict[str, str]:
        return {"X-API-Key": key or self.key}

    def get(self, path: str, query: dict[str, Any] | None = None, **kw: Any) -> httpx.Response:
        headers = kw.pop("headers", None)
        return self.http.get(
            path, params=query, headers=self.headers() if headers is None else headers, **kw
        )

    def post(self, path: str, body: dict[str, Any], key: str | None = None) -> httpx.Response:
        return self.http.post(path, json=body, headers=self.headers(key))

    # ------------------------------------------------------------------ set-up
    def new_asset(self, scale: int, mode: str = "LOT") -> str:
        n = next(_COUNTER)
        body = {
            "program_id": self.program,
            "name": f"selftest asset {n}",
            "symbol": f"ST{n}",
            "inventory_mode": mode,
            "issuance_policy": "UNLIMITED",
            "scale": scale,
        }
        return self.post("/v1/assets", body).json()["id"]

    def new_participant(self) -> str:
        body = {"external_id": f"selftest-{next(_COUNTER)}", "program_id": self.program}
        return self.post("/v1/participants", body).json()["id"]

    # ------------------------------------------------------------------ writes
    def write(
        self,
        operation: str,
        participant: str | None = None,
        asset: str | None = None,
        **fields: Any,
    ) -> httpx.Response:
        body = {
            "program_id": self.program,
            "asset_id": asset or self.asset,
            "description": "selftest",
            **fields,
        }
        who = participant or self.participant
        return self.post(f"/v1/participants/{who}/balances/{operation}", body)

    def credit(self, amount: str, **fields: Any) -> httpx.Response:
        return self.write("adjust", type="CREDIT", amount=amount, **fields)

    def debit(self, amount: str, **fields: Any) -> httpx.Response:
        return self.write("adjust", type="DEBIT", amount=amount, **fields)

    # ------------------------------------------------------------------ reads
    def lots(
        self, asset: str | None = None, participant: str | None = None, **query: Any
    ) -> list[dict[str, Any]]:
        who = participant or self.participant
        query = {"asset_id": asset or self.asset, "limit": 200, **query}
        return self.get(f"/v1/participants/{who}/balances/lots", query).json()["data"]

    def balance(self, asset: str | None = None) -> dict[str, Any]:
        rows = self.get(
            f"/v1/participants/{self.participant}/balances", {"asset_id": asset or self.asset}
        ).json()["data"]
        return rows[0] if rows else {}

    def schedule(self, **query: Any) -> dict[str, Any]:
        query = {"asset_id": self.asset, **query}
        rows = self.get("/v1/reports/expiration-schedule", query).json()["data"]
        return rows[0]

    def remaining_by_amount(self) -> dict[str, str]:
        """amount -> remaining of every lot (the lots of a symptom have distinct amounts)."""
        return {lot["amount"]: lot["remaining"] for lot in self.lots()}
