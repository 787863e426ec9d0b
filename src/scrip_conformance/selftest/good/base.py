"""What a known-good variant is, the registry that collects them, and the answer-reshaping ASGI
middleware most of them are built on.

A known-good variant is a legal variation of the reference: something HTTP, JSON or the spec
leaves to a server. The suite must judge it CONFORMANT, run with the ``--unsupported`` flags the
variant declares (the features it lawfully leaves out).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scrip_conformance.reference.ledger import Ledger
from scrip_conformance.selftest.variants.base import (
    ASGIApp,
    Receive,
    Scope,
    Send,
    whole_answer,
)
from scrip_conformance.target import FEATURES

FREEDOMS = ("http", "json", "spec")


@dataclass(frozen=True)
class GoodVariant:
    """One known-good implementation: a ``Ledger`` subclass (``ledger``), ASGI middleware
    around the app (``layers``, innermost first), the reference's own rate limiter switched on,
    or a mix. ``differs`` shows the variation with a few direct requests: true on the variant,
    false on the reference. ``unsupported`` are the ``--unsupported`` flags its run needs."""

    name: str
    freedom: str
    fault: type
    differs: Callable[[Any], bool]
    unsupported: tuple[str, ...] = ()
    ledger: type | None = None
    layers: tuple[type, ...] = ()
    rate_limit: bool = False
    demo_with_reference: bool = False

    @property
    def what(self) -> str:
        """The freedom it takes: the first paragraph of its class docstring."""
        doc = inspect.getdoc(self.fault) or ""
        return " ".join(doc.split("\n\n")[0].split())

    # the interface VariantServer shares with the known-bad variants
    family = "good"
    contracts = ()

    @property
    def is_middleware(self) -> bool:
        return bool(self.layers)


GOOD_REGISTRY: dict[str, GoodVariant] = {}


def good_variant(
    name: str,
    *,
    freedom: str,
    differs: Callable[[Any], bool],
    unsupported: tuple[str, ...] = (),
    ledger: type | None = None,
    rate_limit: bool = False,
    demo_with_reference: bool = False,
) -> Callable[[type], type]:
    """Class decorator: register a known-good variant. The decorated class is its middleware
    (any ASGI middleware class) or its ``Ledger`` subclass; ``ledger`` adds a ledger to a
    middleware variant."""
    if freedom not in FREEDOMS:
        raise ValueError(f"good variant {name}: unknown freedom {freedom}")
    unknown = [f for f in unsupported if f not in FEATURES]
    if unknown:
        raise ValueError(f"good variant {name}: unknown --unsupported feature(s) {unknown}")

    def register(cls: type) -> type:
        if name in GOOD_REGISTRY:
            raise ValueError(f"good variant {name} is defined twice")
        if cls.__doc__ is None or not inspect.getdoc(cls):
            raise ValueError(f"good variant {name}: its class needs a docstring naming the freedom")
        is_ledger = isinstance(cls, type) and issubclass(cls, Ledger)
        GOOD_REGISTRY[name] = GoodVariant(
            name,
            freedom,
            cls,
            differs,
            tuple(unsupported),
            ledger=cls if is_ledger else ledger,
            layers=() if is_ledger else (cls,),
            rate_limit=rate_limit,
            demo_with_reference=demo_with_reference,
        )
        return cls

    return register


def compact_json(body: Any) -> bytes:
    """JSON as the reference encodes it (Starlette's JSONResponse)."""
    return json.dumps(
        body, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")


@dataclass
class Answer:
    """One HTTP answer on its way out, open to reshaping: the request's method, path, query and
    headers (names lower-case), then the status, headers and body (``body`` parsed when JSON,
    else None; ``raw`` the bytes the app sent)."""

    method: str
    path: str
    query: str
    request_headers: dict[str, str]
    status: int
    headers: list[tuple[bytes, bytes]]
    body: Any
    raw: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower().encode():
                return value.decode("latin-1")
        return None

    def set_header(self, name: str, value: str) -> None:
        self.drop_header(name)
        self.headers.append((name.lower().encode(), value.encode("latin-1")))

    def drop_header(self, name: str) -> None:
        self.headers = [(k, v) for k, v in self.headers if k.lower() != name.lower().encode()]


class Reshape:
    """ASGI middleware that buffers each answer of the wrapped app and lets a subclass reshape
    it (:meth:`reshape`), encode its JSON body (:meth:`encode`) and send it (:meth:`transmit`).
    By default it sends back exactly what the app answered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def __getattr__(self, name: str) -> Any:  # ``state`` and the like of the wrapped app
        return getattr(self.app, name)

    def reshape(self, answer: Answer) -> None:
        """Change ``answer`` in place."""

    def encode(self, body: Any) -> bytes:
        return compact_json(body)

    async def transmit(
        self, send: Send, headers: list[tuple[bytes, bytes]], status: int, data: bytes
    ) -> None:
        headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(data)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": data})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def emit(start: dict[str, Any], raw: bytes) -> None:
            await self._emit(scope, start, raw, send)

        await whole_answer(self.app, scope, receive, send, emit)

    async def _emit(self, scope: Scope, start: dict[str, Any], raw: bytes, send: Send) -> None:
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        answer = Answer(
            method=scope.get("method", "GET"),
            path=scope.get("path", ""),
            query=scope.get("query_string", b"").decode("latin-1"),
            request_headers={
                k.decode("latin-1").lower(): v.decode("latin-1")
                for k, v in scope.get("headers", [])
            },
            status=start["status"],
            headers=list(start.get("headers", [])),
            body=parsed,
            raw=raw,
        )
        self.reshape(answer)
        data = answer.raw if answer.body is None else self.encode(answer.body)
        await self.transmit(send, answer.headers, answer.status, data)


def walk_objects(value: Any, visit: Callable[[dict], None]) -> None:
    """Call ``visit`` on every JSON object inside ``value`` (depth first, parents first)."""
    if isinstance(value, dict):
        visit(value)
        for item in list(value.values()):
            walk_objects(item, visit)
    elif isinstance(value, list):
        for item in value:
            walk_objects(item, visit)


def map_strings(value: Any, change: Callable[[str], str]) -> Any:
    """``value`` with every string value (not key) passed through ``change``."""
    if isinstance(value, dict):
        return {k: map_strings(v, change) for k, v in value.items()}
    if isinstance(value, list):
        return [map_strings(v, change) for v in value]
    if isinstance(value, str):
        return change(value)
    return value
