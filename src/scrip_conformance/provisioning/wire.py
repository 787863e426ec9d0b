"""The HTTP calls of the write-side profiles, through the suite's :class:`TargetClient`.

The client renders every request as a curl line with the key redacted, waits out 429s, turns
transport failures into :class:`~scrip_conformance.client.TargetError` (a clear message, no
traceback) and lets the reports observe every request. :class:`HttpWire` adds what the
write-side profiles need: one call returning a :class:`Reply`, paging, reads that do not depend
on each other sent together (:meth:`HttpWire.get_many`), and another organization's key on the
same client.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scrip_conformance.client import DEFAULT_KEY, ApiResponse, TargetClient
from scrip_conformance.prefetch import get_all

Read = tuple[str, dict[str, Any]]
"""A GET: its path and query."""


@dataclass(frozen=True)
class Reply:
    """One answer: status, parsed JSON body (None when not JSON), the request as curl, headers."""

    status: int
    body: Any
    curl: str
    headers: dict[str, str]


class HttpWire:
    """Calls a Scrip target with one organization's key; safe to share between threads."""

    def __init__(
        self,
        client: TargetClient,
        key: Any = DEFAULT_KEY,
        *,
        owns: bool = False,
        concurrency: int = 1,
    ):
        self.client = client
        self.base_url = client.base_url
        self._key = key
        self._owns = owns
        self.concurrency = concurrency  # reads in flight at most (:meth:`get_many`)

    @classmethod
    def connect(cls, base_url: str, api_key: str, timeout: float = 10.0) -> HttpWire:
        """A wire with a client of its own (closed by :meth:`close`)."""
        return cls(TargetClient(base_url, api_key, timeout=timeout, read_only=False), owns=True)

    def close(self) -> None:
        if self._owns:
            self.client.close()

    def with_key(self, api_key: str) -> HttpWire:
        """The same target and client, with another organization's key."""
        return HttpWire(self.client, api_key, concurrency=self.concurrency)

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
    ) -> Reply:
        answer = self.client.request(method, path, params=params, json=json_body, key=self._key)
        return _reply(answer)

    def get(self, path: str, **params: Any) -> Reply:
        return self.call("GET", path, params=params)

    def post(self, path: str, body: Any) -> Reply:
        return self.call("POST", path, json_body=body)

    def patch(self, path: str, body: Any) -> Reply:
        return self.call("PATCH", path, json_body=body)

    def get_many(self, reads: list[Read]) -> list[Reply]:
        """The answers to GETs that do not depend on each other, in the order asked, as if
        sent one after another (``concurrency`` at a time, shown to the client's observers in
        the order asked)."""
        if self.concurrency <= 1 or len(reads) < 2:
            return [self.get(path, **params) for path, params in reads]
        asked: list[tuple[str, dict[str, Any] | None]] = [(p, dict(q)) for p, q in reads]
        if self._key is DEFAULT_KEY:
            answers = get_all(self.client, asked, self.concurrency)
        else:  # get_all calls only get and notify: the client's, with this wire's key
            keyed = _KeyedGets(self.client, self._key)
            answers = get_all(keyed, asked, self.concurrency)  # type: ignore[arg-type]
        return [_reply(answer) for answer in answers]

    @staticmethod
    def first_page(path: str, **params: Any) -> Read:
        """The first page's read of :meth:`list_all` (to send it with other reads)."""
        return path, {"limit": 200, **params}

    def list_all(
        self, path: str, max_pages: int = 100, first: Reply | None = None, **params: Any
    ) -> tuple[list, Reply]:
        """Every row of a paginated list (at most ``max_pages`` pages) and the last reply;
        ``first``: the answer to :meth:`first_page`, already read."""
        rows: list = []
        cursor = None
        reply = None
        for page_number in range(max_pages):
            if page_number == 0 and first is not None:
                reply = first
            else:
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


def _reply(answer: ApiResponse) -> Reply:
    body = answer.body if answer.is_json else None
    return Reply(answer.status_code, body, answer.curl, answer.headers)


class _KeyedGets:
    """The client's GETs with this wire's key, as :func:`~scrip_conformance.prefetch.get_all`
    calls them."""

    def __init__(self, client: TargetClient, key: Any) -> None:
        self._client = client
        self._key = key

    def get(
        self, path: str, params: dict[str, Any] | None = None, notify: bool = True
    ) -> ApiResponse:
        return self._client.request("GET", path, params=params, key=self._key, notify=notify)

    def notify(self, response: ApiResponse) -> None:
        self._client.notify(response)
