"""An httpx transport with the suite's safety, for the few places that use httpx directly
(the fuzzing's set-up): the write guard before sending, the answer-size cap and one deadline for
the whole request while reading, the keys scrubbed from body and headers before the caller sees
them, and the run's 201s learnt by the guard."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from scrip_conformance import metering
from scrip_conformance.recording import sending as recorded
from scrip_conformance.safety import keys, writes
from scrip_conformance.safety.limits import (
    DeadlineExceeded,
    ResponseTooLarge,
    max_response_bytes,
    read_capped,
)


class GuardedTransport(httpx.BaseTransport):
    def __init__(self, timeout: float = 10.0, inner: httpx.BaseTransport | None = None):
        self._inner = inner or httpx.HTTPTransport()
        self._timeout = timeout

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        method = request.method.upper()
        body = _json_of(request.content) if method != "GET" else None
        if method != "GET":
            writes.current().check(method, str(request.url), body)
        deadline = time.monotonic() + self._timeout
        exchange = recorded.Sending(method, str(request.url), request.headers, request.content)
        try:
            response = self._inner.handle_request(request)
        except httpx.HTTPError as no_answer:
            metering.meter().sent(None)
            exchange.failed(str(no_answer))
            raise
        metering.meter().sent(response.status_code)
        # the transport's stream is the body as sent (gzip, deflate, ...): read it decoded, so
        # the cap bounds what the suite holds, the keys are scrubbed and the guard reads JSON
        decoded = httpx.Response(
            response.status_code, headers=response.headers, stream=response.stream
        )
        problem = ""
        try:
            chunks = decoded.iter_bytes()
            content = read_capped(chunks, max_response_bytes(), deadline, self._timeout)
        except ResponseTooLarge as too_large:
            content, problem = too_large.head, str(too_large)
        except DeadlineExceeded as late:
            exchange.failed(str(late))
            raise httpx.ReadTimeout(str(late), request=request) from None
        finally:
            response.close()
        content = keys.scrub_bytes(content)
        exchange.answered(response.status_code, response.headers, content, problem)
        headers = [
            (name, keys.scrub(value))
            for name, value in response.headers.items()
            if name.lower() not in ("content-length", "content-encoding", "transfer-encoding")
        ]
        if method != "GET":
            status = response.status_code
            key = request.headers.get("X-API-Key")
            writes.current().learn(method, str(request.url), status, _json_of(content), key)
        return httpx.Response(response.status_code, headers=headers, content=content)

    def close(self) -> None:
        self._inner.close()


def _json_of(content: bytes) -> Any:
    try:
        return json.loads(content) if content else None
    except (ValueError, RecursionError):
        return None
