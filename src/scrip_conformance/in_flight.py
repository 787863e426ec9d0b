"""At most ``--concurrency`` of the run's requests in flight, whatever sends them.

Several things send at once: the write-side scenarios side by side, the reads a test sends
together, the fuzzer's workers, the retirement. Each waits for a slot around its request (the
sending and the reading of the answer, never a pacing wait), so the target never has more than
the run's ``--concurrency`` requests of ours at a time. A concurrency burst, whose requests must
reach the target together to test it (``provisioning/bursts.py``), is exempt.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_slots: threading.BoundedSemaphore | None = None
_EXEMPT: ContextVar[bool] = ContextVar("scrip_in_flight_exempt", default=False)


def limit(requests: int | None) -> None:
    """At most ``requests`` in flight from now on (None or 0: no bound)."""
    global _slots
    _slots = threading.BoundedSemaphore(requests) if requests and requests > 0 else None


@contextmanager
def slot() -> Iterator[None]:
    """Hold one of the run's slots while a request is sent and its answer read."""
    slots = _slots
    if slots is None or _EXEMPT.get():
        yield
        return
    with slots:
        yield


@contextmanager
def exempt() -> Iterator[None]:
    """Requests sent within (this context, and the threads started in a copy of it) take no
    slot: a burst that tests the target under simultaneous requests."""
    token = _EXEMPT.set(True)
    try:
        yield
    finally:
        _EXEMPT.reset(token)


__all__ = ["exempt", "limit", "slot"]
