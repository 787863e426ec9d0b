"""The target's clock as the extension contracts see it: a coarse stamp widens what "surely
before" and "surely after" mean, so a server writing whole seconds is judged fairly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scrip_conformance.provisioning.clock import ServerClock, stamp_resolution

T0 = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("stamp", "resolution"),
    [
        ("2026-01-01T12:00:05Z", timedelta(seconds=1)),
        ("2026-01-01T12:00:05.123Z", timedelta(milliseconds=1)),
        ("2026-01-01T12:00:05.123456Z", timedelta(microseconds=1)),
        ("2026-01-01T12:00:05.5+00:00", timedelta(milliseconds=100)),
    ],
)
def test_a_stamps_resolution_is_the_unit_of_its_last_digit(stamp, resolution):
    assert stamp_resolution(stamp) == resolution


def _clock(resolution: timedelta) -> ServerClock:
    clock = ServerClock(local=lambda: T0)
    clock.calibrate(T0, T0, T0, resolution)
    return clock


def test_a_whole_second_stamp_keeps_an_instant_half_a_second_away_from_surely_before():
    instant = T0 + timedelta(milliseconds=500)
    assert _clock(timedelta(0)).before(instant, timedelta(0))
    assert not _clock(timedelta(seconds=1)).before(instant, timedelta(0))


def test_waiting_past_an_instant_allows_for_the_stamps_resolution(monkeypatch):
    slept: list[float] = []
    now = [T0]
    clock = ServerClock(local=lambda: now[0])
    clock.calibrate(T0, T0, T0, timedelta(seconds=1))

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += timedelta(seconds=seconds)

    monkeypatch.setattr("scrip_conformance.provisioning.clock.time.sleep", sleep)
    clock.wait_past(T0, timedelta(0))
    assert now[0] - T0 >= timedelta(seconds=1, milliseconds=50)
