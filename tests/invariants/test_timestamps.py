"""Timestamp helpers: the whole-second instants the suite sends when precision is not the point."""

from __future__ import annotations

from datetime import UTC, datetime

from scrip_conformance.invariants.timestamps import whole_second_ceiling


def test_a_fraction_of_a_second_is_rounded_up_and_a_whole_second_kept():
    moment = datetime(2026, 12, 31, 23, 59, 59, 1, tzinfo=UTC)
    assert whole_second_ceiling(moment) == datetime(2027, 1, 1, tzinfo=UTC)
    whole = datetime(2026, 5, 1, 12, 0, 7, tzinfo=UTC)
    assert whole_second_ceiling(whole) == whole
