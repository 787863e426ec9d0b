"""A smaller budget sends fewer bad values per place, never fewer kinds of bad value."""

from __future__ import annotations

import pytest

from scrip_conformance.sampling import rotation

VALUES = ("0", "201", "-1", "abc", "1.5", "9" * 20)


@pytest.mark.parametrize("start", range(len(VALUES)))
def test_consecutive_places_together_send_every_value(start):
    sent = [v for place in range(3) for v in rotation(VALUES, start + place, 2)]
    assert sorted(sent) == sorted(VALUES)


def test_each_place_sends_count_distinct_values():
    for place in range(10):
        chosen = rotation(VALUES, place, 2)
        assert len(chosen) == len(set(chosen)) == 2


def test_without_a_count_or_with_more_than_there_are_every_value_is_sent():
    assert rotation(VALUES, 4, None) == VALUES
    assert rotation(VALUES, 4, 9) == VALUES
