"""A pytest plugin the self-test's workers load (through ``PYTEST_PLUGINS``): it records when
each failing test failed, counted from the start of the session, in the JSON file named by
``SCRIP_SELFTEST_TIMING``."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

ENV = "SCRIP_SELFTEST_TIMING"
_state: dict = {"start": None, "failures": []}


def pytest_sessionstart(session: pytest.Session) -> None:
    _state["start"] = time.monotonic()
    _state["failures"] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.failed and _state["start"] is not None:
        elapsed = round(time.monotonic() - _state["start"], 3)
        _state["failures"].append(
            {"nodeid": report.nodeid, "when": report.when, "seconds": elapsed}
        )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    target = os.environ.get(ENV)
    if not target or _state["start"] is None:
        return
    elapsed = round(time.monotonic() - _state["start"], 3)
    Path(target).write_text(
        json.dumps({"session_seconds": elapsed, "failures": _state["failures"]}, indent=1),
        encoding="utf-8",
    )
