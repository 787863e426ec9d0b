"""Pace requests to the target's rate limit: wait out a 429's ``Retry-After``, and slow down
before the ``X-RateLimit-*`` headers say the bucket is empty, so the suite does not provoke 429s.

D-RATELIMIT documents a per-organization token bucket (burst 30, 10 requests per second) with
``X-RateLimit-Limit``, ``-Remaining`` and ``-Reset`` (Unix seconds when the bucket is full again)
on every answer and ``Retry-After`` on a 429. Headers are optional (RATELIMIT-HEADERS is a
SHOULD): without them a :class:`Pacer` only waits out 429s. Every wait is bounded.

Use one :class:`Pacer` per target; call :meth:`Pacer.before_request` before each request and
:meth:`Pacer.after_response` with each answer, or wrap an httpx transport in
:class:`PacedTransport`, which does both and retries a 429 a bounded number of times.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from scrip_conformance import metering
from scrip_conformance.safety.limits import take_retry_wait

MAX_WAIT = 60.0
"""No single wait is longer than this many seconds, whatever the target says."""
DEFAULT_RETRY_AFTER = 1.0
"""Seconds to wait after a 429 that carries no usable ``Retry-After``."""
MAX_PACE = 2.0
"""No pacing wait (ahead of a 429, from the rate-limit headers) is longer than this many seconds:
headers announcing a bucket that refills once an hour must not stall a run."""
MAX_RETRIES = 5
"""429s retried per request at most (a request answered 429 more often gets that 429)."""
_UNIX_TIME_FLOOR = 1_000_000_000
"""A reset below this is read as seconds from now (some servers send a delta), not Unix time."""


def _header(headers: Mapping[str, Any], name: str) -> str | None:  # values: str or list
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value[0] if isinstance(value, list | tuple) and value else str(value)
    return None


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def retry_after(headers: Mapping[str, str], now: float, max_wait: float = MAX_WAIT) -> float:
    """Seconds a 429 asks to wait: ``Retry-After`` as seconds or an HTTP date, else a default;
    never negative, never above ``max_wait``."""
    raw = _header(headers, "Retry-After")
    delay = _number(raw)
    if delay is None and raw:
        try:
            delay = parsedate_to_datetime(raw).timestamp() - now
        except (TypeError, ValueError, IndexError, OverflowError):
            delay = None
    if delay is None:
        delay = DEFAULT_RETRY_AFTER
    return max(0.0, min(max_wait, delay))


def token_interval(
    headers: Mapping[str, str], now: float, reserve: int = 1, max_wait: float = MAX_WAIT
) -> float | None:
    """Seconds per token at the refill rate the headers imply, while ``Remaining`` is at or
    below ``reserve`` (0 above it: the burst is free); None without usable headers.

    A ``Reset`` rounded up (whole seconds) makes the rate look slower, never faster."""
    limit = _number(_header(headers, "X-RateLimit-Limit"))
    remaining = _number(_header(headers, "X-RateLimit-Remaining"))
    reset = _number(_header(headers, "X-RateLimit-Reset"))
    if limit is None or remaining is None or reset is None:
        return None
    if remaining > reserve:
        return 0.0
    until_full = reset - now if reset >= _UNIX_TIME_FLOOR else reset
    missing = limit - remaining
    if until_full <= 0 or missing <= 0:
        return 0.0
    return max(0.0, min(max_wait, until_full / missing))


def pace_delay(
    headers: Mapping[str, str], now: float, reserve: int = 1, max_wait: float = MAX_WAIT
) -> float:
    """Seconds to wait before the next request so that it finds a token in the bucket.

    With ``Remaining`` above ``reserve`` there is no wait. Otherwise the bucket refills
    ``Limit - Remaining`` tokens by ``Reset``, at an even rate: wait for the tokens missing to
    keep ``reserve`` in hand. No wait when the headers are missing or not numbers.
    """
    limit = _number(_header(headers, "X-RateLimit-Limit"))
    remaining = _number(_header(headers, "X-RateLimit-Remaining"))
    reset = _number(_header(headers, "X-RateLimit-Reset"))
    if limit is None or remaining is None or reset is None or remaining > reserve:
        return 0.0
    until_full = reset - now if reset >= _UNIX_TIME_FLOOR else reset
    missing = limit - remaining
    if until_full <= 0 or missing <= 0:
        return 0.0
    per_token = until_full / missing
    return max(0.0, min(max_wait, per_token * (reserve - remaining + 1)))


class Pacer:
    """Remembers when the next request may go; thread-safe, one per target.

    While the bucket is low (``Remaining`` at or below ``reserve``) requests are spaced at the
    refill rate: each one books the next slot, so that clients and threads sharing the pacer
    never go together (a reserve above the requests in flight absorbs the answers that are
    behind). With tokens to spare they go at once."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        reserve: int = 1,
        max_wait: float = MAX_WAIT,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self.reserve = reserve
        self.max_wait = max_wait
        self._not_before = 0.0
        self._interval = 0.0  # seconds between requests while the bucket is low
        self._after_429 = False  # the current wait is a 429's Retry-After, not pacing
        self._lock = threading.Lock()
        self.waited = 0.0
        """Seconds spent waiting so far (for reports and benchmarks)."""
        self.rate_limited = 0
        """429 answers seen so far."""

    def before_request(self, limit: float | None = None) -> float:
        """Sleep until the next request may go (at most ``limit`` seconds when given: a run's
        deadline); the seconds slept."""
        with self._lock:
            now = self._clock()
            start = max(now, self._not_before)
            if self._interval > 0:
                self._not_before = start + self._interval  # the next request's slot
            delay = min(self.max_wait, start - now)
            if limit is not None:
                delay = min(delay, limit)
            on_429 = self._after_429
        if delay <= 0:
            return 0.0
        if on_429 and take_retry_wait(delay) is None:
            return 0.0  # the run's budget of waiting on 429s is spent: no more waiting on them
        self._sleep(delay)
        with self._lock:
            self.waited += delay
        metering.meter().waited(delay, on_429)
        return delay

    def after_response(self, status: int, headers: Mapping[str, str]) -> float:
        """Learn from one answer; the seconds the next request has to wait (for a 429, its
        ``Retry-After``)."""
        now = self._clock()
        interval = None
        if status == 429:
            delay = retry_after(headers, now, self.max_wait)
        else:
            pace = min(self.max_wait, MAX_PACE)
            delay = pace_delay(headers, now, self.reserve, pace)
            interval = token_interval(headers, now, self.reserve, pace)
        with self._lock:
            if interval is not None:
                self._interval = interval
            if status == 429:
                self.rate_limited += 1
            if delay > 0 and now + delay > self._not_before:
                self._not_before = now + delay
                self._after_429 = status == 429
        return delay


SHARED_RESERVE = 8
"""Tokens a shared pacer keeps in hand: above the requests in flight (``--concurrency``, at most
a few), whose answers report a bucket fuller than it is by then."""
_shared: dict[str, Pacer] = {}
_shared_lock = threading.Lock()


def pacer_for(base_url: str) -> Pacer:
    """The process's one pacer for the target at ``base_url`` (scheme, host and port): every
    client of a run paces in the same bucket, so that they do not each burst."""
    url = httpx.URL(base_url)
    key = f"{url.scheme}://{url.host}:{url.port or ''}"
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Pacer(reserve=SHARED_RESERVE)
        return _shared[key]


def forget_pacers() -> None:
    """A new run: the targets' buckets are learnt again."""
    with _shared_lock:
        _shared.clear()


class PacedTransport(httpx.BaseTransport):
    """An httpx transport that paces every request with a :class:`Pacer` and retries a 429
    (after its ``Retry-After``) up to ``max_retries`` times."""

    def __init__(
        self,
        pacer: Pacer,
        inner: httpx.BaseTransport | None = None,
        max_retries: int = MAX_RETRIES,
    ) -> None:
        self.pacer = pacer
        self.inner = inner if inner is not None else httpx.HTTPTransport()
        self.max_retries = max_retries

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()  # the body can be sent again
        attempt = 0
        while True:
            self.pacer.before_request()
            response = self.inner.handle_request(request)
            self.pacer.after_response(response.status_code, response.headers)
            if response.status_code != 429 or attempt >= self.max_retries:
                return response
            attempt += 1
            response.close()

    def close(self) -> None:
        self.inner.close()


__all__ = [
    "MAX_WAIT",
    "PacedTransport",
    "Pacer",
    "forget_pacers",
    "pace_delay",
    "pacer_for",
    "retry_after",
    "token_interval",
]
