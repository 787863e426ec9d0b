"""What a known-bad variant is, the registry that collects them, and the response-rewriting
ASGI middleware the wire-level variants are built on."""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

FAMILIES = (
    "lots",
    "amounts",
    "schedule",
    "fifo",
    "holds",
    "clock",
    "balances",
    "pagination",
    "filters",
    "auth",
    "errors",
    "shape",
    "idempotency",
    "concurrency",
)


@dataclass(frozen=True)
class Variant:
    """One known-bad implementation.

    Exactly one of ``ledger`` (a ``Ledger`` subclass overriding one step) or ``middleware`` (an
    ASGI middleware class wrapping the reference app) carries the fault. ``symptom`` shows the
    bug with a few direct requests: true on the variant, false on the reference.
    """

    name: str
    family: str
    contracts: tuple[str, ...]
    fault: type
    symptom: Callable[[Any], bool]
    needs_second_org: bool = False

    @property
    def bug(self) -> str:
        """The bug it imitates: the first paragraph of the fault's docstring."""
        doc = inspect.getdoc(self.fault) or ""
        return " ".join(doc.split("\n\n")[0].split())

    @property
    def is_middleware(self) -> bool:
        return issubclass(self.fault, Rewrite)


REGISTRY: dict[str, Variant] = {}


def variant(
    name: str,
    *,
    family: str,
    contracts: tuple[str, ...] | list[str],
    symptom: Callable[[Any], bool],
    needs_second_org: bool = False,
) -> Callable[[type], type]:
    """Class decorator: register the decorated Ledger subclass or middleware as a variant."""
    if family not in FAMILIES:
        raise ValueError(f"variant {name}: unknown family {family}")

    def register(cls: type) -> type:
        if name in REGISTRY:
            raise ValueError(f"variant {name} is defined twice")
        if not inspect.getdoc(cls) or cls.__doc__ is None:
            raise ValueError(f"variant {name}: its class needs a docstring naming the bug")
        REGISTRY[name] = Variant(
            name, family, tuple(contracts), cls, symptom, needs_second_org=needs_second_org
        )
        cls.variant_name = name  # type: ignore[attr-defined]
        return cls

    return register


async def whole_answer(
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    emit: Callable[[dict[str, Any], bytes], Awaitable[None]],
) -> None:
    """Run ``app`` and hand its whole answer (the start message and the body, however chunked)
    to ``emit``, which sends what the wrapping middleware makes of it; other messages pass."""
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def capture(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
            return
        if message["type"] != "http.response.body":
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            await emit(start, b"".join(chunks))

    await app(scope, receive, capture)


class Rewrite:
    """ASGI middleware that may change the request's query string and the whole response.

    Subclasses override :meth:`query` (the raw query string of a request) and/or
    :meth:`response` (status, headers and body of the answer, the body parsed when it is JSON).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def __getattr__(self, name: str) -> Any:  # ``state`` and the like of the wrapped app
        return getattr(self.app, name)

    def query(self, path: str, query: str) -> str:
        return query

    def response(
        self, method: str, path: str, query: str, status: int, body: Any
    ) -> tuple[int, Any]:
        """The answer to send; ``body`` is parsed JSON (``None`` when empty or not JSON).
        Return bytes as the body to send it raw (``b""`` for no body)."""
        return status, body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope = dict(scope)
        path = scope.get("path", "")
        raw_query = scope.get("query_string", b"").decode("latin-1")
        new_query = self.query(path, raw_query)
        scope["query_string"] = new_query.encode("latin-1")

        async def emit(start: dict[str, Any], raw: bytes) -> None:
            await self._emit(scope, new_query, start, raw, send)

        await whole_answer(self.app, scope, receive, send, emit)

    async def _emit(
        self, scope: Scope, query: str, start: dict[str, Any], raw: bytes, send: Send
    ) -> None:
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        status, body = self.response(
            scope.get("method", "GET"), scope.get("path", ""), query, start["status"], parsed
        )
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        if isinstance(body, bytes):
            data = body
            if not data:
                headers = [(k, v) for k, v in headers if k.lower() != b"content-type"]
        elif body is None:
            data = raw
        else:
            data = json.dumps(body, separators=(",", ":")).encode()
        headers.append((b"content-length", str(len(data)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": data})
