"""The order the runner runs the suite in: every profile in the suite's own order, except the
fuzzing profile, which goes last.

Fuzzing is the longest part of a run, so a bug any other contract catches is reported (and
``pytest -x``-style impatience is rewarded) minutes sooner; and the read-only walk judges the
data the targeted profiles wrote, without the many resources the fuzzer creates on the way.
The order stays deterministic: a stable sort on the test's place in the suite.
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
