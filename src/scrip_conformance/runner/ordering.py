"""The order the runner runs the suite in: every profile in the suite's own order, except the
fuzzing profile, which goes last.

Fuzzing is the longest part of a run, so a bug any other contract catches is reported (and
``pytest -x``-style impatience is rewarded) sooner. In a writing run the fuzzing run itself
goes beside the write-side tests (``provisioning/side_by_side.py``) and is over before the
read-only profile starts, so the read-only walk judges what both wrote; its tests, last, judge
its report. The order stays deterministic: a stable sort on the test's place in the suite.
"""

from __future__ import annotations

import pytest

from scrip_conformance.runner.phases import item_phase


def fuzzing_last(items: list[pytest.Item]) -> None:
    """Move the fuzzing profile's tests after all others, keeping each group's order."""
    items.sort(key=lambda item: item_phase(item.nodeid) == "fuzzing")


class SuiteOrder:
    """pytest plugin of the runner's session: applies :func:`fuzzing_last` after collection."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        fuzzing_last(items)
