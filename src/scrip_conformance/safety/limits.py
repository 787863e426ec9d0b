"""Bounds on what a target may cost the suite: answer size, time per request, time waiting on
429s, depth of JSON, pages and items of a walk. A target beyond a bound gets a finding that says
which bound; the suite never holds more than the bound, never waits longer."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

MAX_RESPONSE_BYTES_ENV = "SCRIP_MAX_RESPONSE_BYTES"
DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024
"""An answer larger than this is not read further (the largest page of the spec is far below)."""
MAX_RETRY_WAIT_ENV = "SCRIP_MAX_RETRY_WAIT"
MAX_RETRY_WAIT_TOTAL = 60.0
"""Seconds a run waits on 429s in all, at most (``SCRIP_MAX_RETRY_WAIT``)."""
MAX_PAGES = 1000
"""Pages any walk follows at most before saying the cursor never ends."""


_run_deadline: float | None = None
_deadline_tripped = False


def set_run_deadline(at: float | None) -> None:
    """The whole run ends at ``at`` (``time.monotonic()``; None: no deadline any more, the
    mark of a deadline reached is kept for the verdict)."""
    global _run_deadline, _deadline_tripped
    _run_deadline = at
    if at is not None:
        _deadline_tripped = False


def run_time_left() -> float | None:
    """Seconds left before the run's deadline (None without one); at zero or below, the
    deadline is marked as reached: every later request is refused."""
    global _deadline_tripped
    if _run_deadline is None:
        return None
    left = _run_deadline - time.monotonic()
    if left <= 0:
        _deadline_tripped = True
    return left


def deadline_tripped() -> bool:
    """Whether a request was refused because the run's deadline had passed."""
    return _deadline_tripped


def _env_number(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value >= 0 else default


def max_retry_wait() -> float:
    """The budget of waiting on 429s: ``SCRIP_MAX_RETRY_WAIT`` when set, else the default."""
    return _env_number(MAX_RETRY_WAIT_ENV, MAX_RETRY_WAIT_TOTAL)


_retry_lock = threading.Lock()
_retry_wait_left: float | None = None


def reset_retry_budget() -> None:
    """A new run: the whole budget of waiting on 429s again."""
    global _retry_wait_left
    with _retry_lock:
        _retry_wait_left = max_retry_wait()


def take_retry_wait(asked: float) -> float | None:
    """Seconds to wait on a 429 that asked for ``asked``, taken from the process's budget
    (every client of the run shares it), or None when the budget cannot cover it."""
    global _retry_wait_left
    with _retry_lock:
        if _retry_wait_left is None:
            _retry_wait_left = max_retry_wait()
        if asked > _retry_wait_left:
            return None
        _retry_wait_left -= asked
        return asked


def max_response_bytes() -> int:
    """The answer-size cap: ``SCRIP_MAX_RESPONSE_BYTES`` when set (the runner's
    ``--max-response-bytes``), else the default."""
    raw = os.environ.get(MAX_RESPONSE_BYTES_ENV, "")
    try:
        value = int(raw)
    except ValueError:
        return DEFAULT_MAX_RESPONSE_BYTES
    return value if value > 0 else DEFAULT_MAX_RESPONSE_BYTES


class ResponseTooLarge(Exception):
    """The answer went past the size cap; ``head`` holds its first bytes."""

    def __init__(self, cap: int, head: bytes):
        super().__init__(f"the answer is larger than the suite's cap of {cap} bytes")
        self.cap = cap
        self.head = head


class DeadlineExceeded(Exception):
    """The whole request (not one read) took longer than its deadline."""

    def __init__(self, seconds: float, received: int):
        super().__init__(f"no complete answer within {seconds:g} s ({received} bytes received)")
        self.seconds = seconds
        self.received = received


def read_capped(chunks: Iterator[bytes], cap: int, deadline: float, seconds: float) -> bytes:
    """The body from ``chunks``, stopped past ``cap`` bytes or at ``deadline`` (monotonic).

    Raises :class:`ResponseTooLarge` or :class:`DeadlineExceeded`; never holds more than
    ``cap`` plus one chunk."""
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        parts.append(chunk)
        size += len(chunk)
        if size > cap:
            raise ResponseTooLarge(cap, b"".join(parts)[:cap])
        if time.monotonic() > deadline:
            raise DeadlineExceeded(seconds, size)
    return b"".join(parts)


@dataclass(frozen=True)
class Parsed:
    body: Any
    is_json: bool
    problem: str = ""
    """Why the text is not taken as JSON when it looks like JSON (too deep)."""


def parse_json(text: str) -> Parsed:
    """``text`` as JSON, or not JSON: too deep, malformed or beyond the parser are all 'not
    JSON' (a finding for whoever expected JSON), never an exception."""
    try:
        return Parsed(json.loads(text), True)
    except RecursionError:
        return Parsed(None, False, "JSON nested deeper than the parser's limit")
    except ValueError:
        return Parsed(None, False)
