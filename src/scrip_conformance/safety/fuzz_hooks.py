"""The fuzzing's HTTP path under the same safety as the suite's client.

schemathesis sends every live call through one ``requests`` transport object; every call gets a
session whose adapter applies the rules of the suite's client: the write guard, the answer-size
cap, one deadline per whole request, and the keys scrubbed from the body and headers before
schemathesis keeps, excerpts or reports anything. Before that, a global ``before_call`` hook
gives a generated write that names an id the run did not create a freshly minted id instead (it
then names nothing), and an upsert's ``external_id`` the run's mark, so fuzzing writes only to
the run's sandbox; each replacement is counted in the guard's ``refused`` list.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from scrip_conformance import in_flight, metering
from scrip_conformance.recording import recorder as recording
from scrip_conformance.recording import sending as recorded
from scrip_conformance.safety import keys, writes
from scrip_conformance.safety.limits import (
    DeadlineExceeded,
    ResponseTooLarge,
    max_response_bytes,
    read_capped,
    run_time_left,
)

FUZZ_MARK = f"scfuzz{secrets.token_hex(4)}-"
"""Prefix given to fuzzed upserts' external ids, unique per run (the guard counts them as the
run's; a fixed one would upsert the participants an earlier run created)."""
MAX_EXTERNAL_ID = 255
_installed = False
_timeout = 10.0
pacer: Any = None
"""The running fuzzing run's :class:`~scrip_conformance.pacing.Pacer` (set by
``fuzzing.run``; None: nothing paced): every request, from any worker thread, waits for it."""
meter: metering.RequestMeter | None = None
"""The meter the running fuzzing run counts in (set by ``fuzzing.run`` from its own context:
when it runs beside the write-side scenarios, a meter of its own; None: the process's)."""
phase: str | None = None
"""The phase the running fuzzing run's exchanges are recorded under (None: the run's current)."""


def _body_json(body: Any) -> Any:
    if isinstance(body, bytes | str) and body:
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            return None
    return None


class GuardedAdapter(HTTPAdapter):
    """Sends nothing the guard refuses; reads at most the cap, within one deadline."""

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        with in_flight.slot():  # at most --concurrency of the run's requests at a time
            if phase is None:
                return self._send(request, timeout, verify, cert, proxies)
            with recording.phase_of_context(phase):  # schemathesis' worker threads: no context
                return self._send(request, timeout, verify, cert, proxies)

    def _send(self, request, timeout, verify, cert, proxies):
        counted = meter or metering.meter()
        counted.admit()  # a run stopping: nothing more goes out
        paced = pacer
        if paced is not None:
            paced.before_request()
        guard = writes.current()
        method = (request.method or "GET").upper()
        if method != "GET":
            guard.check(method, request.url or "", _body_json(request.body))
        seconds = _seconds(timeout)
        left = run_time_left()
        if left is not None:
            if left <= 0:
                raise requests.exceptions.ConnectionError("the run's deadline has passed")
            seconds = min(seconds, left)
        deadline = time.monotonic() + seconds
        exchange = recorded.Sending(
            request.method or "GET", request.url or "", request.headers, request.body
        )
        try:
            response = super().send(
                request, stream=True, timeout=timeout, verify=verify, cert=cert, proxies=proxies
            )
        except requests.exceptions.RequestException as no_answer:
            counted.sent(None)
            exchange.failed(str(no_answer))
            raise
        counted.sent(response.status_code)
        if paced is not None:
            paced.after_response(response.status_code, response.headers)
        whole = False
        try:
            chunks = response.raw.stream(64 * 1024, decode_content=True)
            content = read_capped(chunks, max_response_bytes(), deadline, seconds)
            whole = True
        except ResponseTooLarge as too_large:
            content = too_large.head
        except DeadlineExceeded as late:
            exchange.failed(str(late))
            raise requests.exceptions.ReadTimeout(str(late), request=request) from None
        finally:
            if whole:
                response.raw.release_conn()
            else:  # unread data on the connection: drop it
                response.close()
        response._content = keys.scrub_bytes(content)
        exchange.answered(
            response.status_code,
            response.headers,
            response._content,
            "" if whole else "larger than the run's response cap",
        )
        response._content_consumed = True
        for name, value in list(response.headers.items()):
            cleaned = keys.scrub(value)
            if cleaned != value:
                response.headers[name] = cleaned
        if method != "GET":
            key = request.headers.get("X-API-Key")
            guard.learn(method, request.url or "", response.status_code, _body_json(content), key)
        return response


def _seconds(timeout: Any) -> float:
    if isinstance(timeout, tuple):
        timeout = next((t for t in reversed(timeout) if t), None)
    try:
        return float(timeout) if timeout else _timeout
    except (TypeError, ValueError):
        return _timeout


_session: requests.Session | None = None


def guard_session(session: requests.Session) -> requests.Session:
    """``session`` with the guarded adapter mounted (once)."""
    if not isinstance(session.get_adapter("http://x"), GuardedAdapter):
        adapter = GuardedAdapter()
        session.mount("http://", adapter)
        session.mount("https://", adapter)
    return session


def guarded_session() -> requests.Session:
    """The process's guarded session (schemathesis clears its cookies after each call)."""
    global _session
    if _session is None:
        from schemathesis.transport.requests import ManagedCookiesSession

        _session = guard_session(ManagedCookiesSession())
    return _session


def keep_to_sandbox(case: Any) -> None:
    """Replace what a generated write names outside the run's data (see the module doc)."""
    method = str(getattr(case, "method", "GET")).upper()
    if method == "GET":
        return
    guard = writes.current()
    params = getattr(case, "path_parameters", None)
    if isinstance(params, dict) and isinstance(params.get("id"), str):
        if not guard.owns(params["id"]):
            guard.refused.append(f"fuzzing {method} {case.path}: path id replaced")
            params["id"] = guard.mint()
    body = getattr(case, "body", None)
    if not isinstance(body, dict):
        return
    for key, value in list(body.items()):
        if key in writes.ID_FIELDS and isinstance(value, str) and not guard.owns(value):
            guard.refused.append(f"fuzzing {method} {case.path}: {key} replaced")
            body[key] = guard.mint()
        elif key in writes.ID_LIST_FIELDS and isinstance(value, list):
            body[key] = [
                guard.mint() if isinstance(v, str) and not guard.owns(v) else v for v in value
            ]
    external = body.get("external_id")
    if (
        method == "POST"
        and case.path.rstrip("/") == writes.PARTICIPANTS_PATH
        and isinstance(external, str)
        and external
        and not guard.owns_external_id(external)
    ):
        body["external_id"] = (FUZZ_MARK + external)[:MAX_EXTERNAL_ID]


def install(timeout: float = 10.0) -> None:
    """Register the hooks once per process (the guard and keys they use are the current ones)."""
    global _installed, _timeout
    _timeout = timeout
    writes.current().allow_prefix(FUZZ_MARK)
    if _installed:
        return
    import schemathesis

    @schemathesis.hook("before_call")
    def scrip_safety_before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
        keep_to_sandbox(case)

    # schemathesis' live calls all go through this one transport object; its session is where
    # the guarded adapter goes (a call without one would get a fresh, unguarded session).
    from schemathesis.transport.requests import REQUESTS_TRANSPORT

    original = REQUESTS_TRANSPORT.send

    def send(case: Any, *, session: requests.Session | None = None, **kwargs: Any) -> Any:
        session = guarded_session() if session is None else guard_session(session)
        return original(case, session=session, **kwargs)

    REQUESTS_TRANSPORT.send = send  # type: ignore[method-assign]
    # Sessions schemathesis makes itself (each worker's, the probing phase's) are guarded too.
    from schemathesis.engine import context as engine_context

    make_session = engine_context.make_session
    engine_context.make_session = lambda *a, **kw: guard_session(make_session(*a, **kw))
    _installed = True
