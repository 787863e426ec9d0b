"""The suite's HTTP client for a target: one connection pool, a timeout, the key header, and a
record of every request as a curl line with the key redacted.

A misbehaving server never produces a raw traceback: a transport failure (refused connection,
timeout, TLS error) raises :class:`TargetError` with the request as a curl line; a body that is
not JSON is kept as text and judged by :meth:`ApiResponse.expect`. In read-only mode any method
but GET is refused before anything is sent; otherwise a write naming data the run did not create
is (:mod:`scrip_conformance.safety.writes`).

Every answer is bounded and clean before anything keeps it: the body is streamed up to a size cap
within one deadline for the whole request (not per read), the keys are scrubbed from its text and
headers (:mod:`scrip_conformance.safety.keys`), JSON too deep to parse is "not JSON", and 429s
are waited out only within a total budget.
"""

from __future__ import annotations

import functools
import json as json_module
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from scrip_conformance import curl, in_flight, metering
from scrip_conformance.invariants import ResponseContext, errors
from scrip_conformance.invariants._common import show
from scrip_conformance.pacing import Pacer, pacer_for
from scrip_conformance.recording import har as har_entries
from scrip_conformance.recording import recorder as recording
from scrip_conformance.resources import load_spec
from scrip_conformance.safety import keys, writes
from scrip_conformance.safety.limits import (
    DeadlineExceeded,
    ResponseTooLarge,
    max_response_bytes,
    parse_json,
    read_capped,
    run_time_left,
    take_retry_wait,
)
from scrip_conformance.violations import ContractFailure, Violation

DEFAULT_KEY = object()  # sentinel: send the target's key
MAX_RETRIES_ON_429 = 3
MAX_RETRY_AFTER_SECONDS = 30.0
# whole-organisation reports aggregate the whole ledger (their cost grows with the data, unlike
# a page's): they get this many times the per-request timeout
REPORTS_PATH = "/v1/reports/"
REPORT_TIMEOUT_FACTOR = 6
EXCERPT_OF_OVERSIZED = 2000


class TargetError(Exception):
    """The target could not be asked (connection refused, timeout, protocol error)."""


class ReadOnlyRefusal(RuntimeError):
    """A non-GET request attempted while the client is read-only (a bug in a contract)."""


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    url: str
    curl: str
    status_code: int | None


@dataclass
class ApiResponse:
    """One answer of the target, with the request that earned it."""

    method: str
    path: str
    params: dict[str, str]
    status_code: int
    headers: dict[str, str]
    text: str
    body: Any
    is_json: bool
    curl: str
    started_at: datetime
    finished_at: datetime
    operation_id: str | None = None
    path_params: dict[str, str] = field(default_factory=dict)
    problem: str = ""
    """Why a body that may be JSON is not taken as JSON (larger than the cap, nested too deep)."""
    exchange_id: str = ""
    """The id of this exchange in the run's ``exchanges.har`` (empty when nothing records)."""

    def context(self) -> ResponseContext:
        """This response as the per-response invariants see it."""
        return ResponseContext(
            operation_id=self.operation_id or "",
            method=self.method,
            path_params=self.path_params,
            query=self.params,
            status_code=self.status_code,
            headers=self.headers,
            body=self.body,
            body_is_json=self.is_json,
        )

    def violation(
        self, contract_id: str, summary: str, expected: str, subject: str = ""
    ) -> Violation:
        """A violation of ``contract_id`` observed in this response."""
        return Violation(
            contract_id,
            summary,
            expected,
            f"status {self.status_code}, body {self.excerpt()}",
            subject,
            self.curl,
            exchanges=self.exchanges,
        )

    @property
    def exchanges(self) -> tuple[str, ...]:
        """The recorded exchange behind this answer (for a violation's ``exchanges``)."""
        return (self.exchange_id,) if self.exchange_id else ()

    def pin(self, found: Violation) -> Violation:
        """``found``, tied to this answer: its request line and its exchange."""
        return found.at(self.curl, self.exchanges)

    def excerpt(self) -> str:
        if self.is_json and len(self.text) > 4 * EXCERPT_OF_OVERSIZED:
            return self.text[:400] + "..."  # not a re-rendering of a huge body to keep 400
        return show(self.body) if self.is_json else repr(self.text[:200])

    def expect(self, status: int, contract_id: str, summary: str | None = None) -> Any:
        """The parsed body when the answer has ``status`` and is JSON; otherwise raise
        :class:`ContractFailure` naming ERROR-NO-5XX (a 5xx), ``contract_id`` (another status)
        or RESPONSE-IS-JSON (not JSON)."""
        found = [self.pin(v) for v in errors.check_no_server_error(self.status_code)]
        if not found and self.status_code != status:
            found.append(
                self.violation(
                    contract_id,
                    summary or f"unexpected status {self.status_code}",
                    f"status {status}",
                )
            )
        if not found and not self.is_json and self.problem:
            found.append(
                self.violation(
                    "RESPONSE-IS-JSON", f"the answer could not be read: {self.problem}", "JSON"
                )
            )
        if not found and not self.is_json:
            found += [
                self.pin(v)
                for v in errors.check_json_body(self.status_code, self.headers, False, self.text)
            ]
        if found:
            raise ContractFailure(found)
        return self.body


REQUEST_LOG_SIZE = 1000
_last_request = ""


def last_request() -> str:
    """The curl line of the latest request any client of this process sent (key redacted)."""
    return _last_request


class TargetClient:
    """GET (and, outside read-only mode, other methods) against one target."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 10.0,
        read_only: bool = True,
        transport: httpx.BaseTransport | None = None,
        pacer: Pacer | None = None,
        pool_size: int = 10,
    ):
        self.base_url = base_url.rstrip("/")
        self.pacer = pacer if pacer is not None else pacer_for(self.base_url)
        """Paces by the target's rate-limit headers; one per target, shared by its clients."""
        self._key = api_key
        self.timeout = timeout
        self.read_only = read_only
        self.requests: deque[RecordedRequest] = deque(maxlen=REQUEST_LOG_SIZE)
        """The latest requests sent (bounded: a walk of 10^6 lots sends thousands)."""
        self.observers: list[Callable[[ApiResponse], None]] = []  # called with every response
        self.max_response_bytes = max_response_bytes()
        keys.register(api_key)
        limits = httpx.Limits(max_connections=pool_size, max_keepalive_connections=pool_size)
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout),
            transport=transport,
            follow_redirects=False,
            limits=limits,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> TargetClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, path: str, params: dict[str, Any] | None = None, **kwargs: Any) -> ApiResponse:
        return self.request("GET", path, params=params, **kwargs)

    # long: one request end to end (guard, headers, pacing, 429 retries, bounded read, metering) in
    # the order every suite request must take; split, the order would be spread over helpers
    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        key: Any = DEFAULT_KEY,
        bearer: bool = False,
        headers: dict[str, str] | None = None,
        notify: bool = True,
    ) -> ApiResponse:
        """Send one request. ``key``: the target's key by default, ``None`` for no key, or
        another string; ``bearer`` sends it as ``Authorization: Bearer`` instead of X-API-Key;
        ``notify=False`` leaves the observers to whoever hands the answer on (a read ahead)."""
        method = method.upper()
        if self.read_only and method != "GET":
            raise ReadOnlyRefusal(
                f"read-only mode: refusing to send {method} {path} (only GET is allowed)"
            )
        if method != "GET":
            writes.current().check(method, path, json)
        query = {k: str(v) for k, v in (params or {}).items() if v is not None}
        sent_headers = {"Accept": "application/json"}
        secret = self._key if key is DEFAULT_KEY else key
        if secret is not None:
            # only the target's keys are secrets (registered with the client): a made-up wrong
            # key a contract sends is not, and redacting its pieces would mangle every report
            if bearer:
                sent_headers["Authorization"] = f"Bearer {secret}"
            else:
                sent_headers["X-API-Key"] = secret
        if json is not None:
            sent_headers["Content-Type"] = "application/json"
        sent_headers.update(headers or {})
        url = httpx.URL(self.base_url + path, params=query)
        line = keys.scrub(curl.to_curl(method, str(url), sent_headers, json))
        operation_id, path_params = resolve_operation(method, path)
        timeout = self.timeout * (REPORT_TIMEOUT_FACTOR if path.startswith(REPORTS_PATH) else 1)
        recorder = recording.current()
        exchange_id = ""
        for attempt in range(MAX_RETRIES_ON_429 + 1):
            left = run_time_left()
            self.pacer.before_request(None if left is None else max(left, 0.0))
            started = datetime.now(UTC)
            exchange_id = recorder.allocate()
            record = functools.partial(
                self._record, exchange_id, line, method, url, sent_headers, json, secret, started
            )
            try:
                status, raw_headers, content, problem = self._send(
                    method, url, sent_headers, json, timeout, line
                )
            except TargetError as no_answer:
                if exchange_id:
                    record(problem=str(no_answer))
                raise
            finished = datetime.now(UTC)
            self.requests.append(RecordedRequest(method, str(url), line, status))
            self.pacer.after_response(status, raw_headers)
            if exchange_id and status == 429 and attempt < MAX_RETRIES_ON_429:
                retried = keys.scrub(content.decode(_charset(raw_headers), errors="replace"))
                record(finished, status, raw_headers, retried, len(content), problem)
            if status == 429 and attempt < MAX_RETRIES_ON_429:
                left = run_time_left()
                asked = _retry_after(raw_headers.get("retry-after"))
                wait = take_retry_wait(asked if left is None else min(asked, max(left, 0.0)))
                if wait is None:
                    break  # the run's budget of waiting on 429s is spent: the 429 is the answer
                self._wait_out_429(wait)
                continue
            break
        text = keys.scrub(content.decode(_charset(raw_headers), errors="replace"))
        if exchange_id:  # the exchange as read (the HAR caps it), a cut answer noted
            record(finished, status, raw_headers, text, len(content), problem)
        if problem:
            parsed_body, is_json, text = None, False, text[:EXCERPT_OF_OVERSIZED]
        else:
            parsed = parse_json(text)
            parsed_body, is_json, problem = parsed.body, parsed.is_json, parsed.problem
        body = parsed_body
        if method != "GET":
            writes.current().learn(method, path, status, body, secret)
        response = ApiResponse(
            method=method,
            path=path,
            params=query,
            status_code=status,
            headers=keys.scrub_headers(raw_headers),
            text=text,
            body=body,
            is_json=is_json,
            curl=line,
            started_at=started,
            finished_at=finished,
            operation_id=operation_id,
            path_params=path_params,
            problem=problem,
            exchange_id=exchange_id,
        )
        if notify:
            self.notify(response)
        return response

    def _record(
        self,
        exchange_id: str,
        line: str,
        method: str,
        url: httpx.URL,
        headers: dict[str, str],
        json: Any,
        secret: Any,
        started: datetime,
        finished: datetime | None = None,
        status: int | None = None,
        raw_headers: dict[str, str] | None = None,
        text: str = "",
        size: int | None = None,
        problem: str = "",
    ) -> None:
        """Hand one exchange to the run's recorder (the text is scrubbed already)."""
        recorder = recording.current()
        body = None if json is None else _json_text(json)
        exchange = har_entries.Exchange(
            exchange_id=exchange_id,
            method=method,
            url=str(url),
            request_headers=headers,
            request_body=body,
            started=started,
            finished=finished or datetime.now(UTC),
            status=status,
            response_headers=raw_headers or {},
            response_text=text,
            response_size=size,
            problem=problem,
            key_role=recorder.role_of(secret if isinstance(secret, str) else None),
            response_scrubbed=True,
        )
        recorder.record(exchange, line)

    def notify(self, response: ApiResponse) -> None:
        """Show ``response`` to every observer."""
        for observe in self.observers:
            observe(response)

    def _wait_out_429(self, seconds: float) -> None:
        """Sleep a 429's wait granted by the run's budget (the pacer then has nothing left)."""
        time.sleep(seconds)
        metering.meter().waited(seconds, on_429=True)

    def _send(
        self,
        method: str,
        url: httpx.URL,
        headers: dict[str, str],
        json: Any,
        timeout: float,
        line: str,
    ) -> tuple[int, dict[str, str], bytes, str]:
        """Status, headers, body (at most the cap) and a problem ('' when the body is whole),
        within ``timeout`` for the whole request; :class:`TargetError` when there is no answer."""
        global _last_request
        left = run_time_left()
        if left is not None:
            if left <= 0:
                raise TargetError(f"the run's deadline has passed\n  request: {_last_request}")
            timeout = min(timeout, left)
        _last_request = line
        deadline = time.monotonic() + timeout
        request = self._http.build_request(method, url, headers=headers, json=json, timeout=timeout)
        with in_flight.slot():  # at most --concurrency of the run's requests at a time
            return self._send_bounded(request, method, line, timeout, deadline)

    def _send_bounded(
        self, request: httpx.Request, method: str, line: str, timeout: float, deadline: float
    ) -> tuple[int, dict[str, str], bytes, str]:
        """:meth:`_send`'s sending and reading, in one of the run's slots."""
        url = request.url
        try:
            raw = self._send_once(request, retry_stale=method == "GET")
            try:
                content = read_capped(raw.iter_bytes(), self.max_response_bytes, deadline, timeout)
                problem = ""
            except ResponseTooLarge as too_large:
                content, problem = too_large.head, str(too_large)
            finally:
                raw.close()
        except DeadlineExceeded as late:
            self.requests.append(RecordedRequest(method, str(url), line, None))
            raise TargetError(f"{late}\n  request: {line}") from None
        except httpx.TimeoutException as exc:
            self.requests.append(RecordedRequest(method, str(url), line, None))
            raise TargetError(
                f"no answer within {timeout:g}s ({type(exc).__name__})\n  request: {line}"
            ) from None
        except httpx.HTTPError as exc:
            self.requests.append(RecordedRequest(method, str(url), line, None))
            message = keys.scrub(str(exc), [self._key])
            raise TargetError(
                f"cannot reach the target at {self.base_url}: {message}\n  request: {line}"
            ) from None
        return raw.status_code, dict(raw.headers.items()), content, problem

    def _send_once(self, request: httpx.Request, retry_stale: bool) -> httpx.Response:
        """Send ``request`` (counted); a GET meeting a pooled keep-alive connection the server
        (or a proxy) closed while it was idle - disconnected before any answer - is sent once
        more, on a new connection: a GET changes nothing, and that close is no outage."""
        for attempt in (1, 2):
            metering.meter().admit()  # a stopped side-by-side scenario sends nothing more
            try:
                raw = self._http.send(request, stream=True)
            except STALE_CONNECTION_ERRORS:
                metering.meter().sent(None)
                if not retry_stale or attempt == 2:
                    raise
                continue
            except httpx.HTTPError:
                metering.meter().sent(None)
                raise
            metering.meter().sent(raw.status_code)
            return raw
        raise AssertionError("unreachable")


STALE_CONNECTION_ERRORS = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)
"""What a request on a keep-alive connection closed while idle meets, before any answer."""


def _json_text(body: Any) -> str:
    """A request's JSON body as httpx sends it."""
    try:
        return json_module.dumps(body, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return repr(body)


def _charset(headers: dict[str, str]) -> str:
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    match = re.search(r"charset=([\w.-]+)", content_type)
    if match:
        try:
            "".encode(match.group(1))
            return match.group(1)
        except LookupError:
            pass
    return "utf-8"


def _retry_after(value: str | None) -> float:
    try:
        return min(max(float(value or 1), 0.0), MAX_RETRY_AFTER_SECONDS)
    except ValueError:
        return 1.0


@functools.cache
def _operation_table() -> list[tuple[str, re.Pattern[str], str]]:
    table = []
    for template, item in load_spec().get("paths", {}).items():
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        for method, operation in item.items():
            if isinstance(operation, dict) and "operationId" in operation:
                table.append((method.upper(), re.compile(f"^{pattern}$"), operation["operationId"]))
    # literal segments first: /balances/lots must not be read as /balances/{x}
    table.sort(key=lambda row: row[1].pattern.count("(?P<"))
    return table


def resolve_operation(method: str, path: str) -> tuple[str | None, dict[str, str]]:
    """The spec's operationId for ``method path``, with the path parameters."""
    for op_method, pattern, operation_id in _operation_table():
        if op_method == method.upper():
            match = pattern.match(path.split("?")[0])
            if match:
                return operation_id, match.groupdict()
    return None, {}
