"""A rate-limiting ASGI middleware for the fuzzing tests: the documented limit (D-RATELIMIT), a
token bucket per API key of burst 30 refilled at 10 per second, 429 ``too_many_requests`` with
``Retry-After`` when it is empty; ``X-RateLimit-*`` headers on every answer, or on none. Like a
per-organization limit, it counts only requests with a known key: the others reach the app
(and get its 401)."""

from __future__ import annotations

import json
import math
import threading
import time
from typing import Any

BURST = 30
RATE = 10.0
_OWN = (b"x-ratelimit-limit", b"x-ratelimit-remaining", b"x-ratelimit-reset", b"retry-after")


class RateLimited:
    """Wraps an ASGI app; counts what it let through and what it refused."""

    def __init__(
        self,
        app: Any,
        keys: frozenset[str],
        *,
        headers: bool = True,
        burst: int = BURST,
        rate: float = RATE,
    ):
        self.app = app
        self.keys = frozenset(key.encode() for key in keys)
        self.headers = headers
        self.burst = burst
        self.rate = rate
        self.buckets: dict[bytes, tuple[float, float]] = {}
        self.lock = threading.Lock()
        self.passed = 0
        self.refused = 0

    def __getattr__(self, name: str) -> Any:  # ``state`` of the wrapped app (ledger, store)
        return getattr(self.app, name)

    def _take(self, key: bytes) -> tuple[bool, float, float]:
        """(allowed, tokens left, seconds until the bucket is full)."""
        now = time.monotonic()
        with self.lock:
            tokens, last = self.buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            allowed = tokens >= 1.0
            if allowed:
                tokens -= 1.0
            self.buckets[key] = (tokens, now)
            if allowed:
                self.passed += 1
            else:
                self.refused += 1
        return allowed, tokens, (self.burst - tokens) / self.rate

    def _limit_headers(self, tokens: float, until_full: float) -> list[tuple[bytes, bytes]]:
        if not self.headers:
            return []
        reset = int(math.ceil(time.time() + until_full))
        return [
            (b"x-ratelimit-limit", str(self.burst).encode()),
            (b"x-ratelimit-remaining", str(int(tokens)).encode()),
            (b"x-ratelimit-reset", str(reset).encode()),
        ]

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        key = dict(scope["headers"]).get(b"x-api-key", b"")
        if key not in self.keys:
            await self.app(scope, receive, send)
            return
        allowed, tokens, until_full = self._take(key)
        extra = self._limit_headers(tokens, until_full)
        if not allowed:
            wait = int(math.ceil((1.0 - tokens) / self.rate))
            body = json.dumps({"code": "too_many_requests", "message": "slow down"}).encode()
            await send({"type": "http.response.start", "status": 429, "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(max(1, wait)).encode()), *extra]})  # fmt: skip
            await send({"type": "http.response.body", "body": body})
            return

        async def relabel(message: dict) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message["headers"] if k.lower() not in _OWN]
                message = {**message, "headers": kept + extra}
            await send(message)

        await self.app(scope, receive, relabel)
