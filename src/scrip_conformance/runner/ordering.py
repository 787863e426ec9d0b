"""The order the runner runs the suite in: the suite's own order, except that the extension
profile (its clock scenarios) goes after the other write-side profiles and the fuzzing profile
goes last.

Every failure is reported in this order, so what comes first is what gets reported first. The
write-side test files run side by side (``provisioning/side_by_side.py``) and the clock
scenarios, which wait a few seconds for lots to mature and expire, take the longest: put after
the other write-side files, they no longer hold back the report of those files' failures.
Fuzzing is the longest part of a run, so a bug any other contract catches is reported (and
``pytest -x``-style impatience is rewarded) sooner. In a writing run the fuzzing run itself
goes beside the write-side tests and is over before the read-only profile starts, so the
read-only walk judges what both wrote; its tests, last, judge its report. The order stays
deterministic: a stable sort on the test's place in the suite.
"""

from __future__ import annotations

from typing import Protocol

import pytest

from scrip_conformance.runner.phases import item_phase

_LATER = {"extension": 1}
"""Profile directories moved later among the tests before fuzzing (stable within)."""


class _Node(Protocol):
    nodeid: str


def _rank(item: _Node) -> tuple[int, int]:
    if item_phase(item.nodeid) == "fuzzing":
        return (1, 0)
    return (0, _LATER.get(item.nodeid.split("/", 1)[0], 0) if _before_read_only(item) else 2)


def _before_read_only(item: _Node) -> bool:
    return item.nodeid.split("/", 1)[0] != "read_only"


def fuzzing_last(items: list) -> None:
    """The runner's order: write-side tests (extension after the others), read-only tests,
    then the fuzzing profile's, each group keeping the suite's order."""
    items.sort(key=_rank)


class SuiteOrder:
    """pytest plugin of the runner's session: applies :func:`fuzzing_last` after collection."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        fuzzing_last(items)
