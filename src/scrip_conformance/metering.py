"""What the suite's requests cost, counted on the client side so the figures exist for every
target (not only one that counts what it answers): requests sent, 429s received, seconds spent
waiting on 429s and seconds spent pacing ahead of the target's rate limit.

Every path the suite sends through counts here (the TargetClient, the fuzzing set-up's transport,
schemathesis' guarded adapter), one count per request actually sent (a retried 429 is two). The
runner's phase clock reads the totals between phases and tests to charge them per phase and per
contract.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Reading:
    """The meter at one moment."""

    requests: int = 0
    status_429: int = 0
    waited_429_seconds: float = 0.0
    paced_seconds: float = 0.0


class RequestMeter:
    """Thread-safe counters of one process's requests to its target."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests = 0
        self._status_429 = 0
        self._waited_429 = 0.0
        self._paced = 0.0

    def sent(self, status: int | None = None) -> None:
        """One request went out (``status``: its answer's, None when none came)."""
        with self._lock:
            self._requests += 1
            if status == 429:
                self._status_429 += 1

    def waited(self, seconds: float, on_429: bool) -> None:
        """``seconds`` slept before a request: waiting out a 429 or pacing ahead of one."""
        if seconds <= 0:
            return
        with self._lock:
            if on_429:
                self._waited_429 += seconds
            else:
                self._paced += seconds

    def absorb(self, other: Reading) -> None:
        """Add what another meter counted (a side-by-side scenario's, once its test reports)."""
        with self._lock:
            self._requests += other.requests
            self._status_429 += other.status_429
            self._waited_429 += other.waited_429_seconds
            self._paced += other.paced_seconds

    def admit(self) -> None:
        """Called before a request goes out: a meter may refuse it (see :class:`StoppableMeter`)."""

    def reading(self) -> Reading:
        with self._lock:
            return Reading(self._requests, self._status_429, self._waited_429, self._paced)

    @property
    def requests(self) -> int:
        with self._lock:
            return self._requests


class Stopped(Exception):
    """A request of a side-by-side scenario the run has stopped (interrupted, or over)."""


class StoppableMeter(RequestMeter):
    """The meter of one side-by-side scenario: its requests counted apart (the run adds them to
    its own once the scenario's test reports, so they are charged to that test), and refused
    once the run is stopping, so that no scenario writes after the run has ended."""

    def __init__(self, stop: threading.Event) -> None:
        super().__init__()
        self._stop = stop

    def admit(self) -> None:
        if self._stop.is_set():
            raise Stopped("the run stopped: this scenario sends nothing more")


_meter = RequestMeter()
_diverted: ContextVar[RequestMeter | None] = ContextVar("scrip_meter", default=None)


def meter() -> RequestMeter:
    """The meter of the code running: a side-by-side scenario's (:func:`diverted`), else the
    process's (every client of the run counts in it)."""
    return _diverted.get() or _meter


@contextmanager
def diverted(into: RequestMeter) -> Iterator[RequestMeter]:
    """Count the requests sent within (in this thread and context) in ``into``."""
    token = _diverted.set(into)
    try:
        yield into
    finally:
        _diverted.reset(token)


def reset() -> RequestMeter:
    """A new run: a fresh meter at zero."""
    global _meter
    _meter = RequestMeter()
    return _meter


__all__ = [
    "Reading",
    "RequestMeter",
    "StoppableMeter",
    "Stopped",
    "diverted",
    "meter",
    "reset",
]
