"""Deliberate bugs for the reference app: pure ASGI middleware that rewrites a request's query
or the app's JSON answers, and a recorder of every request method (used by the project tests)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode


@dataclass
class Fault:
    """One deliberate bug: how it rewrites a request's query and/or a JSON answer."""

    name: str
    query: Callable[[str, dict], dict] | None = None  # (path, query) -> query sent to the app
    answer: Callable[[str, dict, int, object], tuple[int, object]] | None = None
    raw: Callable[[str, dict, int], tuple[int, str, bytes] | None] | None = None
    drop_headers: tuple[str, ...] = ()  # header names (lower case) removed from every answer
    state: dict = field(default_factory=dict)


class FaultMiddleware:
    """Pure ASGI middleware applying a :class:`Fault` to the reference app."""

    def __init__(self, app, fault: Fault):
        self.app = app
        self.fault = fault

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        query = dict(parse_qsl(scope.get("query_string", b"").decode()))
        if self.fault.query is not None:
            query = self.fault.query(path, query)
            scope = dict(scope, query_string=urlencode(query).encode())
        started: dict = {}
        chunks: list[bytes] = []

        async def capture(message):
            if message["type"] == "http.response.start":
                started.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            status, headers, body = started["status"], list(started["headers"]), b"".join(chunks)
            replaced = self.fault.raw(path, query, status) if self.fault.raw else None
            if replaced is not None:
                status, content_type, body = replaced
                headers = [(b"content-type", content_type.encode())]
            elif self.fault.answer is not None:
                try:
                    document = json.loads(body)
                except ValueError:
                    document = None
                if document is not None:
                    status, document = self.fault.answer(path, query, status, document)
                    body = json.dumps(document).encode()
            dropped = {b"content-length"} | {h.encode() for h in self.fault.drop_headers}
            headers = [(k, v) for k, v in headers if k.lower() not in dropped]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)


class MethodRecorder:
    """Pure ASGI middleware recording the method and path of every request the app receives."""

    def __init__(self, app, seen: list):
        self.app = app
        self.seen = seen

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            self.seen.append((scope["method"], scope["path"]))
        await self.app(scope, receive, send)


def plus_minor_unit(text: str) -> str:
    """``text`` (a wire amount) plus one minor unit, at the same scale."""
    value = Decimal(text)
    return str(value + Decimal(1).scaleb(value.as_tuple().exponent))
