"""Servers for the fuzzing tests: the reference behind an ASGI middleware that records the
methods it receives and may rewrite answers (a broken server whose answers break an invariant)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from scrip_conformance.fuzzing import BUDGETS, FuzzSettings, KnownIds
from scrip_conformance.reference.server import ReferenceServer

API_KEY = "sk_fuzz_test_key_7f3a"
ORG = "org-fuzz"

Rewrite = Callable[[str, str, dict[str, Any]], dict[str, Any]]


class RewriteJson:
    """ASGI middleware: ``rewrite(method, path, body)`` changes every 200 JSON answer."""

    def __init__(self, app: Any, rewrite: Rewrite) -> None:
        self.app = app
        self.rewrite = rewrite
        self.methods: list[str] = []

    def __getattr__(self, name: str) -> Any:  # ``state`` of the wrapped app (ledger, store)
        return getattr(self.app, name)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.methods.append(scope["method"])
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            raw = b"".join(chunks)
            if start["status"] == 200 and raw:
                body = self.rewrite(scope["method"], scope["path"], json.loads(raw))
                raw = json.dumps(body).encode()
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(raw)).encode()))
            await send(
                {"type": "http.response.start", "status": start["status"], "headers": headers}
            )
            await send({"type": "http.response.body", "body": raw})

        await self.app(scope, receive, capture)


def unchanged(method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    return body


@contextmanager
def serve(
    rewrite: Rewrite = unchanged, *, demo: bool = False
) -> Iterator[tuple[ReferenceServer, RewriteJson]]:
    """The reference behind :class:`RewriteJson` (``unchanged``: a correct server that records
    the methods it receives); ``demo`` loads the demo data set (slow: seconds)."""
    server = ReferenceServer(api_keys={API_KEY: ORG}, demo=demo)
    middleware = RewriteJson(server.app, rewrite)
    server.app = middleware
    with server:
        yield server, middleware


def settings(base_url: str, ids: KnownIds, **overrides: Any) -> FuzzSettings:
    """Small-budget settings for tests (a few examples per operation, short stateful runs)."""
    budget = overrides.pop("budget", BUDGETS["quick"])
    examples = overrides.pop("max_examples", 3)
    budget = type(budget)("test", examples, 4, 120)
    return FuzzSettings(
        base_url=base_url, api_key=API_KEY, budget=budget, known_ids=ids, **overrides
    )
