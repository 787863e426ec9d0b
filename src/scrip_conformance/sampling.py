"""How a smaller budget still sends every kind of request: values taken in turn across the
places they are sent to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def rotation(values: Sequence[T], index: int, count: int | None) -> tuple[T, ...]:
    """``count`` of ``values`` (all when None) for the ``index``-th place they are sent to:
    consecutive places take the next values in turn, so every value is sent once the places
    times ``count`` reach the number of values."""
    if count is None or count >= len(values):
        return tuple(values)
    return tuple(values[(index * count + k) % len(values)] for k in range(count))
