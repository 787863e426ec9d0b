"""At most ``--concurrency`` of the run's requests in flight, whatever thread sends them; a
concurrency burst is exempt (its requests must reach the target together)."""

from __future__ import annotations

import threading
import time
from contextvars import copy_context

import pytest

from scrip_conformance import in_flight


@pytest.fixture(autouse=True)
def no_bound_after():
    yield
    in_flight.limit(None)


def _most_at_once(threads: int, exempt: bool = False) -> int:
    lock = threading.Lock()
    now = most = 0

    def request():
        nonlocal now, most
        with in_flight.slot():
            with lock:
                now += 1
                most = max(most, now)
            time.sleep(0.05)
            with lock:
                now -= 1

    def start():
        return [
            threading.Thread(target=copy_context().run, args=(request,)) for _ in range(threads)
        ]

    if exempt:
        with in_flight.exempt():
            started = start()
    else:
        started = start()
    for thread in started:
        thread.start()
    for thread in started:
        thread.join(5)
    return most


def test_no_more_requests_in_flight_than_the_limit():
    in_flight.limit(2)
    assert _most_at_once(6) == 2


def test_a_burst_is_sent_together_whatever_the_limit():
    in_flight.limit(1)
    assert _most_at_once(4, exempt=True) == 4


def test_without_a_limit_nothing_waits():
    in_flight.limit(None)
    assert _most_at_once(4) == 4
