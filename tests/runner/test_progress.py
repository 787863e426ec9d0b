"""The live progress line of a long phase: at most one line per interval, with the phase, what
is done of what is planned and the time spent; nothing at all without a sink (plain pytest)."""

from __future__ import annotations

import contextlib

from scrip_conformance import progress


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_line_per_interval_says_phase_done_of_planned_and_elapsed():
    clock, lines = Clock(), []
    line = progress.ProgressLine("fuzzing", clock)
    with progress.printing_to(lines.append):
        line.update("phase examples", 0, 19, "operations")
        clock.now += progress.INTERVAL + 0.5
        line.update("phase examples", 4, 19, "operations")
        clock.now += 1
        line.update("phase examples", 5, 19, "operations")
        clock.now += progress.INTERVAL
        line.update("phase stateful", 12, None, "scenarios")
    assert lines == [
        "  ... fuzzing: phase examples, 4/19 operations, 4 s",
        "  ... fuzzing: phase stateful, 12 scenarios, 8 s",
    ]


def test_without_a_sink_nothing_is_printed_and_the_sink_is_restored(capsys):
    clock, lines = Clock(), []
    line = progress.ProgressLine("fuzzing", clock)
    clock.now += 60
    line.update("phase examples", 1, 2, "operations")
    with progress.printing_to(lines.append):
        pass
    line.update("phase examples", 2, 2, "operations")
    assert lines == [] and capsys.readouterr().out == ""


def test_each_line_is_printed_inside_the_given_context():
    clock, events = Clock(), []

    @contextlib.contextmanager
    def uncaptured():
        events.append("open")
        yield
        events.append("close")

    line = progress.ProgressLine("fuzzing", clock)
    clock.now += progress.INTERVAL + 1
    with progress.printing_to(events.append), progress.shown_through(uncaptured):
        line.update("phase coverage", 3, 19, "operations")
    assert events == ["open", "  ... fuzzing: phase coverage, 3/19 operations, 4 s", "close"]
