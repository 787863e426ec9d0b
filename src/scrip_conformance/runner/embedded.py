"""The default target: the reference implementation with its demo data on a free loopback port,
with two fresh random keys (two organizations, so the isolation contracts can run). It counts
the HTTP requests it answers, for the run's requests-per-second figure."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


class RequestCounter:
    """An ASGI app around another that counts the HTTP requests it is sent.

    Other attributes (``state``, ...) are the wrapped app's, so the reference server's own use
    of its app is unchanged. The count only grows; read it from any thread.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.count = 0

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope.get("type") == "http":
            self.count += 1
        await self.app(scope, receive, send)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)


@dataclass(frozen=True)
class EmbeddedTarget:
    base_url: str
    api_key: str
    second_org_key: str
    counter: RequestCounter | None = None

    def requests_answered(self) -> int:
        return self.counter.count if self.counter is not None else 0


@contextlib.contextmanager
def embedded_target() -> Iterator[EmbeddedTarget]:
    """Start the reference server, yield where it listens and its keys, stop it on exit."""
    from scrip_conformance.reference.server import ReferenceServer

    key_a = "sk_" + secrets.token_hex(16)
    key_b = "sk_" + secrets.token_hex(16)
    server = ReferenceServer(api_keys={key_a: "org-a", key_b: "org-b"}, demo=True)
    counter = RequestCounter(server.app)
    server.app = counter
    with server:
        yield EmbeddedTarget(server.base_url, key_a, key_b, counter)
