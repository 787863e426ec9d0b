"""Known-good variants that take freedoms of HTTP and JSON: how an answer is encoded, framed
and labelled, never what it says."""

from __future__ import annotations

import json
import uuid
from typing import Any

from starlette.middleware.gzip import GZipMiddleware

from scrip_conformance.selftest.good.base import Answer, Reshape, good_variant
from scrip_conformance.selftest.good.probe import GoodProbe
from scrip_conformance.selftest.variants.base import ASGIApp, Send

RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


# ---------------------------------------------------------------------------- JSON
def _keys_reversed(p: GoodProbe) -> bool:
    lot_keys = list(json.loads(p.raw_lots_text())["data"][0])
    return lot_keys == sorted(lot_keys, reverse=True) and lot_keys != sorted(lot_keys)


def _reverse_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _reverse_keys(value[k]) for k in sorted(value, reverse=True)}
    if isinstance(value, list):
        return [_reverse_keys(v) for v in value]
    return value


@good_variant("json-key-order", freedom="json", differs=_keys_reversed)
class ReversedKeyOrder(Reshape):
    """Object members come in reverse alphabetical order (JSON objects are unordered; another
    encoder or a map type orders them as it likes)."""

    def reshape(self, answer: Answer) -> None:
        if answer.body is not None:
            answer.body = _reverse_keys(answer.body)


def _pretty(p: GoodProbe) -> bool:
    text = p.raw_lots_text()
    return text.startswith("{\n") and '": ' in text


@good_variant("json-whitespace", freedom="json", differs=_pretty)
class PrettyPrinted(Reshape):
    """Every JSON answer is pretty-printed: newlines, two-space indentation and a space after
    each colon (insignificant whitespace, RFC 8259 section 2)."""

    def encode(self, body: Any) -> bytes:
        return (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _escaped(p: GoodProbe) -> bool:
    answer = p.post("/v1/programs", {"name": "Prämien ✓"})
    return "\\u00e4" in answer.text and answer.json()["name"] == "Prämien ✓"


@good_variant("json-ascii-escapes", freedom="json", differs=_escaped)
class AsciiEscapes(Reshape):
    """Every non-ASCII character is sent as a ``\\uXXXX`` escape (an ASCII-only JSON encoder),
    not as raw UTF-8."""

    def encode(self, body: Any) -> bytes:
        return json.dumps(body, ensure_ascii=True, separators=(",", ":")).encode("ascii")


# ---------------------------------------------------------------------------- HTTP framing
def _gzipped(p: GoodProbe) -> bool:
    answer = p.get("/v1/programs")
    return answer.headers.get("content-encoding") == "gzip" and answer.json()["data"] is not None


@good_variant("gzip-content-encoding", freedom="http", differs=_gzipped)
class Gzip(GZipMiddleware):
    """Every answer, however small, is gzip-compressed when the request accepts gzip
    (``Content-Encoding: gzip``, ``Vary: Accept-Encoding``), as a compressing proxy does."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app, minimum_size=0)


def _chunked(p: GoodProbe) -> bool:
    answer = p.get("/v1/programs")
    return (
        answer.headers.get("transfer-encoding") == "chunked"
        and "content-length" not in answer.headers
    )


@good_variant("chunked-transfer", freedom="http", differs=_chunked)
class Chunked(Reshape):
    """Bodies are streamed with ``Transfer-Encoding: chunked`` in pieces of at most 64 bytes,
    without ``Content-Length`` (a streaming JSON encoder)."""

    async def transmit(
        self, send: Send, headers: list[tuple[bytes, bytes]], status: int, data: bytes
    ) -> None:
        headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        pieces = [data[i : i + 64] for i in range(0, len(data), 64)] or [b""]
        for piece in pieces[:-1]:
            await send({"type": "http.response.body", "body": piece, "more_body": True})
        await send({"type": "http.response.body", "body": pieces[-1]})


def _closes(p: GoodProbe) -> bool:
    return p.get("/v1/programs").headers.get("connection") == "close"


@good_variant("keep-alive-off", freedom="http", differs=_closes)
class KeepAliveOff(Reshape):
    """HTTP/1.1 persistent connections are off: every answer carries ``Connection: close``
    and the server closes the connection after it."""

    def reshape(self, answer: Answer) -> None:
        answer.set_header("connection", "close")


def _charset(p: GoodProbe) -> bool:
    return p.get("/v1/programs").headers.get("content-type") == "application/json; charset=utf-8"


@good_variant("json-charset-utf8", freedom="http", differs=_charset)
class CharsetParameter(Reshape):
    """JSON answers are labelled ``application/json; charset=utf-8`` (a parameter the media
    type ignores, sent by many frameworks)."""

    def reshape(self, answer: Answer) -> None:
        if (answer.header("content-type") or "").startswith("application/json"):
            answer.set_header("content-type", "application/json; charset=utf-8")


EXTRA_HEADERS = {
    "cache-control": "no-store",
    "strict-transport-security": "max-age=31536000",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "vary": "Origin",
    "x-powered-by": "scrip-good-variant",
}


def _extra_headers(p: GoodProbe) -> bool:
    answer = p.get("/v1/programs")
    bare = p.get("/v1/programs", headers={})
    return (
        "x-request-id" in answer.headers
        and answer.headers.get("cache-control") == "no-store"
        and bare.headers.get("www-authenticate", "").startswith("ApiKey")
    )


@good_variant("extra-response-headers", freedom="http", differs=_extra_headers)
class ExtraHeaders(Reshape):
    """Answers carry headers the spec does not mention: a request id, caching and security
    headers, and ``WWW-Authenticate`` on every 401 (as RFC 9110 asks of a 401)."""

    def reshape(self, answer: Answer) -> None:
        answer.set_header("x-request-id", str(uuid.uuid4()))
        for name, value in EXTRA_HEADERS.items():
            answer.set_header(name, value)
        if answer.status == 401:
            answer.set_header("www-authenticate", 'ApiKey header="X-API-Key", Bearer')


def _shouting(p: GoodProbe) -> bool:
    raw = [name for name, _ in p.get("/v1/programs").headers.raw]
    return b"X-RATELIMIT-LIMIT" in raw and b"CONTENT-TYPE" in raw


@good_variant("header-name-case", freedom="http", differs=_shouting)
class UpperCaseHeaderNames(Reshape):
    """Header names are sent in upper case (``X-RATELIMIT-LIMIT``, ``CONTENT-TYPE``): field
    names are case-insensitive (RFC 9110 section 5.1)."""

    def reshape(self, answer: Answer) -> None:
        answer.headers = [(k.upper(), v) for k, v in answer.headers]

    async def transmit(
        self, send: Send, headers: list[tuple[bytes, bytes]], status: int, data: bytes
    ) -> None:
        headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
        headers.append((b"CONTENT-LENGTH", str(len(data)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": data})


def _not_found_method(p: GoodProbe) -> bool:
    return p.get("/v1/programs", method="PUT").status_code == 404


@good_variant("undocumented-method-404", freedom="http", differs=_not_found_method)
class UndocumentedMethod404(Reshape):
    """A method the spec does not document on a path (``PUT /v1/programs``) answers 404
    ``not_found``, as routers that match on method and path do, instead of 405."""

    def reshape(self, answer: Answer) -> None:
        if answer.status == 405:
            answer.status = 404
            answer.body = {"code": "not_found", "message": "no route for this method and path"}
            answer.drop_header("allow")
