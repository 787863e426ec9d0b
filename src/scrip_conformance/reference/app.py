"""The HTTP layer of the reference server: Starlette routes, auth, request validation, headers.

Each route names its spec operation; request parameters and bodies are validated against the
spec's own schemas (no restated rules), then one :class:`Ledger` method does the work.
Order of checks: 401 (D-AUTH), 429, 400 (D-VALIDATION), then whatever the ledger decides.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from scrip_conformance import spec_schemas
from scrip_conformance.reference.errors import ApiError, validation
from scrip_conformance.reference.ledger import Ledger
from scrip_conformance.reference.limits import RequestLimits
from scrip_conformance.reference.store import Store

log = logging.getLogger("scrip_conformance.reference")

BURST = 30
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]
RATE_PER_SECOND = 10.0
_INTEGER = re.compile(r"^-?[0-9]{1,18}$")
_UUID_PARAMS = ("id", "program_id", "asset_id")

# operationId -> (path, method, ledger method name, argument shape)
ROUTES: list[tuple[str, str, str, str, str]] = [
    ("listPrograms", "/v1/programs", "GET", "list_programs", "q"),
    ("createProgram", "/v1/programs", "POST", "create_program", "b"),
    ("linkProgramAsset", "/v1/programs/{id}/assets", "POST", "link_program_asset", "ib"),
    ("listAssets", "/v1/assets", "GET", "list_assets", "q"),
    ("createAsset", "/v1/assets", "POST", "create_asset", "b"),
    ("getAsset", "/v1/assets/{id}", "GET", "get_asset", "i"),
    ("updateAsset", "/v1/assets/{id}", "PATCH", "update_asset", "ib"),
    ("listParticipants", "/v1/participants", "GET", "list_participants", "q"),
    ("createParticipant", "/v1/participants", "POST", "create_participant", "b"),
    ("getParticipant", "/v1/participants/{id}", "GET", "get_participant", "i"),
    (
        "listParticipantBalances",
        "/v1/participants/{id}/balances",
        "GET",
        "list_participant_balances",
        "iq",
    ),
    (
        "listParticipantLots",
        "/v1/participants/{id}/balances/lots",
        "GET",
        "list_participant_lots",
        "iq",
    ),
    ("adjustParticipantBalance", "/v1/participants/{id}/balances/adjust", "POST", "adjust", "ib"),
    ("holdParticipantBalance", "/v1/participants/{id}/balances/hold", "POST", "hold", "ib"),
    (
        "releaseParticipantBalance",
        "/v1/participants/{id}/balances/release",
        "POST",
        "release",
        "ib",
    ),
    (
        "forfeitParticipantBalance",
        "/v1/participants/{id}/balances/forfeit",
        "POST",
        "forfeit",
        "ib",
    ),
    (
        "voidHoldParticipantBalance",
        "/v1/participants/{id}/balances/void-hold",
        "POST",
        "void_hold",
        "ib",
    ),
    ("getExpirationSchedule", "/v1/reports/expiration-schedule", "GET", "expiration_schedule", "q"),
    ("getLiabilityReport", "/v1/reports/liability", "GET", "liability_report", "q"),
]


class RateLimiter:
    """Token bucket per organization (D-RATELIMIT): burst 30, 10 requests per second."""

    def __init__(
        self,
        enforce: bool,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.enforce = enforce
        self._monotonic = monotonic  # injectable, so tests judge the bucket without timing
        self._wall = wall
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, org: str | None) -> tuple[bool, dict[str, str]]:
        now = self._monotonic()
        with self._lock:
            tokens, stamp = self._buckets.get(org or "", (float(BURST), now))
            tokens = min(float(BURST), tokens + (now - stamp) * RATE_PER_SECOND)
            allowed = True
            if self.enforce and org is not None:
                if tokens >= 1.0:
                    tokens -= 1.0
                else:
                    allowed = False
                self._buckets[org] = (tokens, now)
        wait = (BURST - tokens) / RATE_PER_SECOND
        headers = {
            "X-RateLimit-Limit": str(BURST),
            "X-RateLimit-Remaining": str(max(0, int(tokens))),
            "X-RateLimit-Reset": str(int(math.ceil(self._wall() + wait))),
        }
        if not allowed:
            headers["Retry-After"] = str(max(1, int(math.ceil((1.0 - tokens) / RATE_PER_SECOND))))
        return allowed, headers


def _error(status: int, code: str, message: str, headers: Mapping[str, str]) -> JSONResponse:
    return JSONResponse(
        {"code": code, "message": message}, status_code=status, headers=dict(headers)
    )


def coerce_query(operation_id: str, request: Request) -> dict[str, Any]:
    """Typed query parameters of an operation, validated against their spec schemas."""
    out: dict[str, Any] = {}
    for param in spec_schemas.parameters(operation_id):
        if param["in"] != "query":
            continue
        name = param["name"]
        values = request.query_params.getlist(name)
        if not values:
            if param.get("required"):
                raise validation(f"query parameter {name} is required")
            continue
        if len(values) > 1:
            raise validation(f"query parameter {name} is given more than once")
        raw = values[0]
        kind = _schema_type(param.get("schema", {}))
        value: Any = raw
        if kind == "integer":
            if not _INTEGER.match(raw):
                raise validation(f"query parameter {name} must be an integer")
            value = int(raw)
        elif kind == "boolean":
            if raw not in ("true", "false"):
                raise validation(f"query parameter {name} must be true or false")
            value = raw == "true"
        errors = spec_schemas.validate_instance(param["_pointer"], value, name)
        if errors:
            raise validation("; ".join(errors))
        if name in _UUID_PARAMS and isinstance(value, str):
            value = value.lower()
        out[name] = value
    return out


def _schema_type(schema: Any) -> str | None:
    """The JSON type a query parameter's schema expects (through $ref and allOf)."""
    node = spec_schemas._resolve(schema)
    if isinstance(node, dict):
        if "type" in node:
            return node["type"]
        for sub in node.get("allOf", []):
            found = _schema_type(sub)
            if found:
                return found
    return None


def _has_surrogate(value: Any) -> bool:
    """Lone UTF-16 surrogates (JSON allows them) cannot be stored or answered as UTF-8."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


async def parse_body(operation_id: str, request: Request) -> dict[str, Any]:
    """The JSON object body, validated against the operation's request schema."""
    raw = await request.body()
    if not raw.strip():
        raise validation("a JSON object body is required")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise validation("the body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise validation("the body must be a JSON object")
    if _has_surrogate(body):
        raise validation("the body contains a string that is not valid Unicode")
    pointer = spec_schemas.request_body_pointer(operation_id)
    errors = spec_schemas.validate_instance(pointer, body, "body")
    if errors:
        raise validation("; ".join(errors[:5]))
    return body


def create_app(
    *,
    db_path: str = ":memory:",
    api_keys: Mapping[str, str],
    clock: Callable[[], datetime] | None = None,
    ledger_factory: type | None = None,
    rate_limit: bool | RateLimiter = False,
) -> Starlette:
    """The reference server as an ASGI app. ``api_keys`` maps each key to its organization;
    ``rate_limit`` enforces D-RATELIMIT (or is the limiter to use, e.g. on a test's clock)."""
    store = Store(db_path)
    factory = ledger_factory or Ledger
    ledger: Ledger = factory(store, api_keys, clock)
    limiter = rate_limit if isinstance(rate_limit, RateLimiter) else RateLimiter(rate_limit)
    uuid_check = spec_schemas.FORMAT_CHECKER

    def make_endpoint(operation_id: str, method_name: str, shape: str):
        async def endpoint(request: Request) -> Response:
            org = await run_in_threadpool(
                ledger.authenticate,
                request.headers.get("x-api-key"),
                request.headers.get("authorization"),
            )
            allowed, headers = limiter.take(org)
            if org is None:
                return _error(401, "unauthorized", "invalid or revoked API key", headers)
            if not allowed:
                return _error(429, "too_many_requests", "rate limit exceeded", headers)
            try:
                args: list[Any] = [org]
                if "i" in shape:
                    raw_id = request.path_params["id"]
                    if not uuid_check.conforms(raw_id, "uuid"):
                        raise validation("path id must be a UUID")
                    args.append(raw_id.lower())
                if "q" in shape:
                    args.append(coerce_query(operation_id, request))
                if "b" in shape:
                    args.append(await parse_body(operation_id, request))
                status, body = await run_in_threadpool(getattr(ledger, method_name), *args)
            except ApiError as exc:
                return _error(exc.status, exc.code, exc.message, headers)
            except Exception:  # never a bare 500: log it and answer JSON
                log.exception("unexpected error in %s", operation_id)
                return _error(500, "internal_error", "unexpected server error", headers)
            return JSONResponse(body, status_code=status, headers=headers)

        endpoint.__name__ = operation_id
        return endpoint

    routes = []
    by_path: dict[str, dict[str, Callable]] = {}
    for operation_id, path, method, method_name, shape in ROUTES:
        by_path.setdefault(path, {})[method] = make_endpoint(operation_id, method_name, shape)
    for path, methods in by_path.items():
        routes.append(Route(path, _dispatch(methods, limiter, ledger), methods=ALL_METHODS))

    async def not_found(request: Request, exc: Exception) -> Response:
        org = ledger.authenticate(
            request.headers.get("x-api-key"), request.headers.get("authorization")
        )
        _, headers = limiter.take(org)
        if org is None:
            return _error(401, "unauthorized", "invalid or revoked API key", headers)
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        if status == 405:
            allow = ", ".join(_allowed_methods(by_path, request.url.path))
            return _error(
                405,
                "method_not_allowed",
                "method not allowed on this path",
                {**headers, "Allow": allow},
            )
        if status == 404:
            return _error(404, "not_found", "no such route", headers)
        return _error(
            status if 400 <= status < 500 else 500, "validation_error", "bad request", headers
        )

    async def server_error(request: Request, exc: Exception) -> Response:
        _, headers = limiter.take(None)
        return _error(500, "internal_error", "unexpected server error", headers)

    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: not_found, Exception: server_error},
    )
    app.router.redirect_slashes = False
    app.add_middleware(RequestLimits)  # D-LIMITS: bounded URLs, bodies and error excerpts
    app.state.ledger = ledger
    app.state.store = store
    return app


def _allowed_methods(by_path: Mapping[str, Mapping[str, Callable]], path: str) -> list[str]:
    """The spec's methods of the route template matching ``path`` (for a 405's Allow)."""
    for template, methods in by_path.items():
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path):
            return list(methods)
    return []


def _dispatch(methods: Mapping[str, Callable], limiter: RateLimiter, ledger: Ledger):
    async def dispatch(request: Request) -> Response:
        handler = methods.get(request.method)
        if handler is None and request.method == "HEAD":
            handler = methods.get("GET")
        if handler is None:
            org = ledger.authenticate(
                request.headers.get("x-api-key"), request.headers.get("authorization")
            )
            _, headers = limiter.take(org)
            if org is None:
                return _error(401, "unauthorized", "invalid or revoked API key", headers)
            return _error(
                405,
                "method_not_allowed",
                "method not allowed on this path",
                {**headers, "Allow": ", ".join(methods)},
            )
        return await handler(request)

    return dispatch
