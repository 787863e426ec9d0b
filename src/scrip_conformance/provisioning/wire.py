"""The HTTP calls of the write-side profiles, through the suite's :class:`TargetClient`.

The client renders every request as a curl line with the key redacted, waits out 429s, turns
transport failures into :class:`~scrip_conformance.client.TargetError` (a clear message, no
traceback) and lets the reports observe every request. :class:`HttpWire` adds what the
write-side profiles need: one call returning a :class:`Reply`, paging, and another
organization's key on the same client.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scrip_conformance.client import DEFAULT_KEY, TargetClient


@dataclass(frozen=True)
class Reply:
    """One answer: status, parsed JSON body (None when not JSON), the request as curl, headers."""

    status: int
    body: Any
    curl: str
    headers: dict[str, str]


class HttpWire:
    """Calls a Scrip target with one organization's key; safe to share between threads."""

    def __init__(self, client: TargetClient, key: Any = DEFAULT_KEY, *, owns: bool = False):
        self.client = client
        self.base_url = client.base_url
        self._key = key
        self._owns = owns

    @classmethod
    def connect(cls, base_url: str, api_key: str, timeout: float = 10.0) -> HttpWire:
        """A wire with a client of its own (closed by :meth:`close`)."""
        return cls(TargetClient(base_url, api_key, timeout=timeout, read_only=False), owns=True)

    def close(self) -> None:
        if self._owns:
            self.client.close()

    def with_key(self, api_key: str) -> HttpWire:
        """The same target and client, with another organization's key."""
        return HttpWire(self.client, api_key)

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
    ) -> Reply:
        answer = self.client.request(method, path, params=params, json=json_body, key=self._key)
        body = answer.body if answer.is_json else None
        return Reply(answer.status_code, body, answer.curl, answer.headers)

    def get(self, path: str, **params: Any) -> Reply:
        return self.call("GET", path, params=params)

    def post(self, path: str, body: Any) -> Reply:
        return self.call("POST", path, json_body=body)

    def patch(self, path: str, body: Any) -> Reply:
        return self.call("PATCH", path, json_body=body)

    def list_all(self, path: str, max_pages: int = 100, **params: Any) -> tuple[list, Reply]:
        """Every row of a paginated list (at most ``max_pages`` pages) and the last reply."""
        rows: list = []
        cursor = None
        reply = None
        for _ in range(max_pages):
            reply = self.get(path, limit=200, cursor=cursor, **params)
            if reply.status != 200 or not isinstance(reply.body, dict):
                return rows, reply
            rows.extend(reply.body.get("data") or [])
            page = reply.body.get("pagination") or {}
            cursor = page.get("next_cursor")
            if not page.get("has_more") or not cursor:
                break
        if reply is None:
            raise ValueError(f"list_all needs max_pages >= 1, got {max_pages}")
        return rows, reply
