"""Recording at the transports that send outside the TargetClient (the fuzzing set-up's httpx
transport, schemathesis' requests adapter): take the exchange's id when the request leaves, hand
its entry to the run's recorder when the answer (scrubbed, capped) or its absence is known."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from scrip_conformance.curl import to_curl
from scrip_conformance.recording import har
from scrip_conformance.recording import recorder as recording


def _text(body: Any) -> str | None:
    if body is None or body == b"" or body == "":
        return None
    if isinstance(body, bytes):
        return body.decode("utf-8", errors="replace")
    return body if isinstance(body, str) else str(body)


def _charset(headers: Mapping[str, str]) -> str:
    for name, value in headers.items():
        if name.lower() == "content-type":
            match = re.search(r"charset=([\w.-]+)", value)
            if match:
                try:
                    "".encode(match.group(1))
                    return match.group(1)
                except LookupError:
                    break
    return "utf-8"


class Sending:
    """One request on its way out; does nothing when nothing records."""

    __slots__ = ("exchange_id", "_method", "_url", "_headers", "_body", "_started", "_recorder")

    def __init__(self, method: str, url: str, headers: Any, body: Any) -> None:
        self._recorder = recording.current()
        self.exchange_id = self._recorder.allocate()
        if not self.exchange_id:
            return
        self._method = method.upper()
        self._url = str(url)
        self._headers = {str(k): str(v) for k, v in dict(headers).items()}
        self._body = _text(body)
        self._started = datetime.now(UTC)

    def answered(self, status: int, headers: Any, content: bytes, problem: str = "") -> None:
        """The answer came: ``content`` as read (scrubbed, at most the run's cap)."""
        if not self.exchange_id:
            return
        response_headers = {str(k): str(v) for k, v in dict(headers).items()}
        text = content.decode(_charset(response_headers), errors="replace")
        self._record(status, response_headers, text, len(content), problem)

    def failed(self, why: str) -> None:
        """No (whole) answer came: the entry says why."""
        if self.exchange_id:
            self._record(None, {}, "", 0, why)

    def _record(
        self, status: int | None, headers: dict[str, str], text: str, size: int, problem: str
    ) -> None:
        secret = next(
            (v for k, v in self._headers.items() if k.lower() in ("x-api-key", "authorization")),
            None,
        )
        exchange = har.Exchange(
            exchange_id=self.exchange_id,
            method=self._method,
            url=self._url,
            request_headers=self._headers,
            request_body=self._body,
            started=self._started,
            finished=datetime.now(UTC),
            status=status,
            response_headers=headers,
            response_text=text,
            response_size=size,
            problem=problem,
            key_role=self._recorder.role_of(secret),
            response_scrubbed=True,
        )
        line = to_curl(self._method, self._url, self._headers, self._body)
        self._recorder.record(exchange, line)
