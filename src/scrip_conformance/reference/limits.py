"""The reference's bounds on what one request may cost it (spec decision D-LIMITS), as ASGI
middleware in front of the app: a URL over ``MAX_URL_BYTES`` gets 414 ``uri_too_long``, a body
over ``MAX_BODY_BYTES`` 413 ``payload_too_large`` (refused before it is parsed, never held past
the limit), and an error answer quotes at most ``MAX_MESSAGE_CHARS`` of its message, so a huge
bad value is never echoed back whole. Validation itself words at most a few errors
(:data:`scrip_conformance.spec_schemas.MAX_ERRORS`)."""

from __future__ import annotations

import json
from typing import Any

MAX_BODY_BYTES = 1024 * 1024
MAX_URL_BYTES = 8 * 1024
MAX_MESSAGE_CHARS = 500
_ERROR_BODY_LIMIT = 2048  # error answers longer than this are re-worded with an excerpt

Scope = dict[str, Any]


def _json_error(status: int, code: str, message: str) -> tuple[int, bytes]:
    return status, json.dumps({"code": code, "message": message}).encode()


class RequestLimits:
    """``app.add_middleware(RequestLimits)``: the app, behind the D-LIMITS bounds."""

    def __init__(self, app: Any, max_body: int = MAX_BODY_BYTES, max_url: int = MAX_URL_BYTES):
        self.app = app
        self.max_body = max_body
        self.max_url = max_url

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        url_size = len(scope.get("raw_path") or scope["path"].encode()) + len(
            scope.get("query_string") or b""
        )
        if url_size > self.max_url:
            await _answer(
                send,
                *_json_error(414, "uri_too_long", f"the URL is longer than {self.max_url} bytes"),
            )
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body:
            await _too_large(send, self.max_body)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_body:
                await _too_large(send, self.max_body)
                return
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, _ExcerptingSend(send))


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers") or []:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _answer(send: Any, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _too_large(send: Any, limit: int) -> None:
    """Answer 413 (the rest of the body is not read: the connection closes)."""
    await _answer(
        send,
        *_json_error(413, "payload_too_large", f"the request body is larger than {limit} bytes"),
    )


class _ExcerptingSend:
    """Passes the app's answer through; an error answer too long is re-worded with an excerpt
    of its message (the message of a huge bad value would quote it whole)."""

    def __init__(self, send: Any) -> None:
        self._send = send
        self._start: dict[str, Any] | None = None
        self._body = bytearray()

    async def __call__(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and message.get("status", 200) >= 400:
            self._start = message
            return
        if self._start is None:
            await self._send(message)
            return
        self._body += message.get("body", b"")
        if message.get("more_body", False):
            return
        body = bytes(self._body)
        start = self._start
        if len(body) > _ERROR_BODY_LIMIT:
            body = _excerpted(body)
            start = dict(start)
            start["headers"] = [
                (k, str(len(body)).encode() if k.lower() == b"content-length" else v)
                for k, v in start.get("headers", [])
            ]
        await self._send(start)
        await self._send({"type": "http.response.body", "body": body})


def _excerpted(body: bytes) -> bytes:
    try:
        error = json.loads(body)
    except ValueError:
        return body[:MAX_MESSAGE_CHARS]
    if not isinstance(error, dict):
        return json.dumps({"code": "validation_error", "message": "bad request"}).encode()
    message = str(error.get("message", ""))
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[:MAX_MESSAGE_CHARS] + " [...]"
    out: dict[str, Any] = {"code": error.get("code", "validation_error"), "message": message}
    details = error.get("details")
    if details is not None and len(json.dumps(details)) <= _ERROR_BODY_LIMIT // 2:
        out["details"] = details
    return json.dumps(out).encode()
