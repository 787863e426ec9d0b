"""Live progress of a long phase (the fuzzing run): a line at most every few seconds, saying the
phase, what is done of what is planned and the time spent, so a long run is never silent.

``scrip-conformance run`` sets the sink (its console) for the suite's duration; elsewhere (plain
pytest, the project's tests) there is none and nothing is printed. The phase runs inside a test,
whose output pytest captures: the code running it says how to get past that (:func:`shown_through`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

INTERVAL = 3.0
"""Seconds between two progress lines at least."""

_sink: Callable[[str], None] | None = None
_around: Callable[[], AbstractContextManager[object]] = contextlib.nullcontext


@contextlib.contextmanager
def printing_to(sink: Callable[[str], None]) -> Iterator[None]:
    """Progress lines go to ``sink`` while the block runs."""
    global _sink
    saved, _sink = _sink, sink
    try:
        yield
    finally:
        _sink = saved


@contextlib.contextmanager
def silenced() -> Iterator[None]:
    """No progress line while the block runs (a phase running beside others, in a thread)."""
    global _sink
    saved, _sink = _sink, None
    try:
        yield
    finally:
        _sink = saved


@contextlib.contextmanager
def shown_through(around: Callable[[], AbstractContextManager[object]]) -> Iterator[None]:
    """Each line is printed inside ``around()`` while the block runs (pytest's capture manager's
    ``global_and_fixture_disabled``, so that a line printed during a test reaches the console)."""
    global _around
    saved, _around = _around, around
    try:
        yield
    finally:
        _around = saved


class ProgressLine:
    """The progress of one phase; :meth:`update` prints when :data:`INTERVAL` has passed."""

    def __init__(self, phase: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.phase = phase
        self.clock = clock
        self.started = clock()
        self._last = self.started

    def update(self, stage: str, done: int, planned: int | None, unit: str) -> None:
        now = self.clock()
        if _sink is None or now - self._last < INTERVAL:
            return
        self._last = now
        count = f"{done}/{planned}" if planned is not None else f"{done}"
        with _around():
            _sink(f"  ... {self.phase}: {stage}, {count} {unit}, {now - self.started:.0f} s")
