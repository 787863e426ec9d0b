"""Outage is not non-conformance: a target that stops answering, or a run past its deadline,
ends the run with exit 3 and one finding naming the last request that got no answer, instead of
a transport error blamed on every contract whose test happened to be running.

:class:`RunWatch` is a pytest plugin of the runner's session: it notes the first
:class:`~scrip_conformance.client.TargetError`, stops the session there and arms the whole-run
deadline (signals are the runner's ``StopSignals``: an interrupted run is INTERRUPTED, not
this). :meth:`RunWatch.settle` then moves the transport findings off the contracts.
"""

from __future__ import annotations

import _thread
import argparse
import contextlib
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from scrip_conformance import client
from scrip_conformance.cli import EXIT_UNREACHABLE
from scrip_conformance.client import TargetError
from scrip_conformance.runner.outcomes import Finding
from scrip_conformance.safety import limits, writes
from scrip_conformance.safety.limits import MAX_RESPONSE_BYTES_ENV

DEFAULT_DEADLINE = 30 * 60.0
"""Seconds a whole run may take by default (``--deadline``)."""
GRACE = 60.0
"""Seconds past the deadline after which a run still going is interrupted outright."""
TRANSPORT_SUMMARY = "the check could not complete: TargetError"
REFUSED_SUMMARY = "the check could not complete: ForeignWriteRefused"
_NO_ANSWER_MARKS = ("ConnectionError", "Connection refused", "Network Error", "ReadTimeout")


def _positive(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, got {raw!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {raw!r}")
    return value


def add_safety_options(group: Any) -> None:
    """``--deadline``, ``--max-response-bytes`` and ``--keep-sandbox`` of ``run``."""
    group.add_argument(
        "--deadline",
        type=_positive,
        default=DEFAULT_DEADLINE,
        metavar="SECONDS",
        help=f"end the whole run after this long with exit 3 and the reports so far "
        f"(default {DEFAULT_DEADLINE:g})",
    )
    group.add_argument(
        "--max-response-bytes",
        type=int,
        metavar="N",
        help="read at most this much of any answer; a larger one is a finding (default 8 MiB)",
    )
    group.add_argument(
        "--keep-sandbox",
        action="store_true",
        help="leave the run's own assets active and participants open at the end (default: "
        "archive and close them)",
    )


class RunWatch:
    def __init__(self, deadline: float | None = DEFAULT_DEADLINE, max_bytes: int | None = None):
        writes.reset()  # a new run: nothing created yet, the whole 429 budget to spend
        limits.reset_retry_budget()
        if max_bytes and max_bytes > 0:
            os.environ[MAX_RESPONSE_BYTES_ENV] = str(max_bytes)
        self.deadline = deadline
        self.outage = ""
        """The first transport failure (its message names the request), empty when none."""
        self.interrupted_late = False
        self._timer: threading.Timer | None = None

    # -- pytest hooks ------------------------------------------------------------------------
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Any:
        report = yield
        if call.excinfo is not None and call.excinfo.errisinstance(TargetError):
            if not self.outage:
                self.outage = str(call.excinfo.value)
            item.session.shouldstop = "the target stopped answering"
        return report

    # -- the run's clock and signals ---------------------------------------------------------
    @property
    def deadline_hit(self) -> bool:
        return limits.deadline_tripped() or self.interrupted_late

    def _expire(self) -> None:
        """The deadline passed long ago and the run is still going (not waiting on a request,
        which would be refused): interrupt it."""
        self.interrupted_late = True
        _thread.interrupt_main()

    @contextlib.contextmanager
    def watching(self) -> Iterator[RunWatch]:
        """Arm the whole-run deadline around the suite's run."""
        if self.deadline:
            limits.set_run_deadline(time.monotonic() + self.deadline)
            self._timer = threading.Timer(self.deadline + GRACE, self._expire)
            self._timer.daemon = True
            self._timer.start()
        try:
            yield self
        finally:
            limits.set_run_deadline(None)
            if self._timer is not None:
                self._timer.cancel()

    @property
    def stopped(self) -> bool:
        """The run ended because of the target or the clock, not because it was done."""
        return bool(self.outage) or self.deadline_hit

    # -- the verdict -------------------------------------------------------------------------
    def message(self) -> str:
        if self.deadline_hit:
            last = client.last_request() or "none"
            return (
                f"the run's deadline ({self.deadline:g} s, --deadline) passed; "
                f"the last request sent: {last}"
            )
        lines = self.outage.splitlines()
        request = next((x.strip()[len("request: ") :] for x in lines if "request: " in x), "")
        return f"the target stopped answering ({lines[0]}); last request without an answer: " + (
            request or "unknown"
        )

    def settle(self, results: dict[str, Any], unattributed: list[Finding]) -> int | None:
        """Exit code 3 when the target stopped answering or the deadline passed (None
        otherwise); the transport findings leave the contracts for one finding of their own.
        A write the guard refused is the suite's error, not the target's: it leaves its
        contracts too, as a failure outside any contract. The same finding raised by many tests
        (a session fixture that failed once: a walk whose cursor never ends) counts once."""
        for result in results.values():  # a failed shared fixture repeats one finding per test
            result.findings = _once_each(result.findings)
        refused: list[Finding] = []
        for result in results.values():
            refused += [f for f in result.findings if f.summary == REFUSED_SUMMARY]
            result.findings = [f for f in result.findings if f.summary != REFUSED_SUMMARY]
        for finding in {f.observed: f for f in refused}.values():
            unattributed.append(
                Finding(
                    contract_id="",
                    check="suite error: write guard",
                    summary="the suite tried to write to data the run did not create (refused)",
                    expected="the suite writes only to what the run created",
                    observed=finding.observed,
                    test=finding.test,
                )
            )
        if not self.stopped:
            return None
        for result in results.values():
            result.findings = [f for f in result.findings if not _is_no_answer(f)]
        unattributed[:] = [f for f in unattributed if not _is_no_answer(f)]
        unattributed.append(
            Finding(
                contract_id="",
                check="target answers",
                summary="the run's deadline passed"
                if self.deadline_hit
                else "the target stopped answering",
                expected="an answer to every request within its deadline",
                observed=self.message(),
                request=None,
            )
        )
        return EXIT_UNREACHABLE


def _once_each(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, str, str, str | None]] = set()
    out = []
    for f in findings:
        key = (f.contract_id, f.summary, f.expected, f.observed, f.request)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _is_no_answer(finding: Finding) -> bool:
    if finding.summary == TRANSPORT_SUMMARY or finding.summary.endswith("KeyboardInterrupt"):
        return True
    return finding.contract_id == "FUZZ-NO-SERVER-ERROR" and any(
        mark in finding.observed for mark in _NO_ANSWER_MARKS
    )
