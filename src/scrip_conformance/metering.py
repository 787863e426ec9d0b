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

    def reading(self) -> Reading:
        with self._lock:
            return Reading(self._requests, self._status_429, self._waited_429, self._paced)

    @property
    def requests(self) -> int:
        with self._lock:
            return self._requests


_meter = RequestMeter()


def meter() -> RequestMeter:
    """The process's meter (every client of the run counts in it)."""
    return _meter


def reset() -> RequestMeter:
    """A new run: a fresh meter at zero."""
    global _meter
    _meter = RequestMeter()
    return _meter


__all__ = ["Reading", "RequestMeter", "meter", "reset"]
