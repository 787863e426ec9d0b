"""A realistic broken target: the reference implementation behind ASGI middlewares that make the
lot list report a remaining one unit above the amount (a MUST lot invariant every client relies
on) and drop the rate-limit headers (a SHOULD), served by uvicorn in a thread."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from scrip_conformance.reference.server import ReferenceServer

LOTS_PATH = re.compile(r"^/v1/participants/[^/]+/balances/lots$")


def _inflate(amount: str) -> str:
    """``amount`` plus one unit, at the same scale ("12.50" -> "13.50")."""
    places = len(amount.split(".")[1]) if "." in amount else 0
    return f"{Decimal(amount) + 1:.{places}f}"


class RemainingAboveAmount:
    """ASGI middleware: every lot in a lot list answers remaining = amount + 1."""

    def __init__(self, app: Any) -> None:
        self.app = app

    @property
    def state(self) -> Any:  # ReferenceServer reaches the ledger through app.state
        return self.app.state

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not LOTS_PATH.match(scope["path"]):
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            if start["status"] == 200:
                page = json.loads(body)
                for lot in page.get("data", []):
                    lot["remaining"] = _inflate(lot["amount"])
                body = json.dumps(page).encode()
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)


class NoRateLimitHeaders:
    """ASGI middleware: responses lose their X-RateLimit-* headers."""

    def __init__(self, app: Any) -> None:
        self.app = app

    @property
    def state(self) -> Any:
        return self.app.state

    async def __call__(self, scope, receive, send) -> None:
        async def strip(message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message["headers"]
                    if not k.lower().startswith(b"x-ratelimit-")
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, strip if scope["type"] == "http" else send)


def broken_reference(api_keys: dict[str, str]) -> ReferenceServer:
    """A ReferenceServer (not started) with both bugs."""
    server = ReferenceServer(api_keys=api_keys, demo=True)
    server.app = NoRateLimitHeaders(RemainingAboveAmount(server.app))
    return server


class MethodRecorder:
    """ASGI middleware that records the method of every request (to prove --read-only)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.methods: list[str] = []

    @property
    def state(self) -> Any:
        return self.app.state

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            self.methods.append(scope["method"])
        await self.app(scope, receive, send)


def recording_reference(api_keys: dict[str, str]) -> tuple[ReferenceServer, MethodRecorder]:
    """A ReferenceServer (not started) that records the methods it is sent."""
    server = ReferenceServer(api_keys=api_keys, demo=True)
    recorder = MethodRecorder(server.app)
    server.app = recorder
    return server, recorder
