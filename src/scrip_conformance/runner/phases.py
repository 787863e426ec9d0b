"""Where a run's time goes: wall-clock seconds and requests (counted by the suite's clients,
:mod:`scrip_conformance.metering`) per phase (start-up, discovery, provisioning, contracts,
fuzzing, reports) and per contract, with the 429s received and the time spent waiting on them,
for ``summary.json`` and the benchmarks.

Every moment of the run belongs to exactly one phase, so the phases add up to the run's duration.
Start-up lasts from the command's start to the first test (embedded target, pre-flight, pytest's
start and collection); fixture set-ups are charged to discovery or provisioning by what the
fixture is; tests under ``fuzzing/`` to fuzzing (the session's one fuzzing run, with its own data
set-up, happens in the first one's set-up); other tests to contracts; and what follows the last
test (pytest's junit and allure output, summary.json, the HTML report) to reports.

A test's requests are also charged to each contract it declares, except those of shared
set-ups (the walk, provisioning, the session's fuzzing run), which belong to their phase only.

When the write-side scenarios and the fuzzing run go side by side
(:mod:`scrip_conformance.provisioning.side_by_side`), their requests are counted apart and
charged when their test reports (each scenario's to its test and contracts, the fuzzing run's to
fuzzing), so requests per phase and per contract are a serial run's; time cannot be split that
way: it goes to the phase the run's main thread is in, so the fuzzing run's time is mostly in
contracts (the fuzzing tests only wait for what is left of it), and a unit's set-ups (a
module's shared scenario) are in contracts too.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Generator

import pytest

from scrip_conformance.metering import Reading
from scrip_conformance.recording import recorder as recording

_Wrap = Generator[None, object, object]  # a pytest hook wrapper

PHASES = ("startup", "discovery", "provisioning", "contracts", "fuzzing", "reports")

# Suite directories whose fixtures set up data by writing to the target.
_PROVISIONING_DIRS = ("provisioning", "extension", "concurrency", "isolation")
_PROVISIONING_MODULES = ("scrip_conformance.provisioning",)
_DISCOVERY_FIXTURES = frozenset({"discovery"})
_SHARED_FIXTURES = frozenset({"fuzz_report"})
"""Session set-ups charged to the test's phase but to no contract (many contracts share them)."""
_CONTRACT_MARKER = "contract"


def fixture_phase(argname: str, module: str, baseid: str) -> str | None:
    """The phase a fixture's set-up is charged to, or None to leave it to the test's phase."""
    if argname in _DISCOVERY_FIXTURES:
        return "discovery"
    if module.startswith(_PROVISIONING_MODULES):
        return "provisioning"
    first = baseid.split("/", 1)[0] if baseid else ""
    if first in _PROVISIONING_DIRS:
        return "provisioning"
    return None


def item_phase(nodeid: str) -> str:
    """The phase of a test: ``fuzzing`` for the tests under ``fuzzing/``, else ``contracts``."""
    return "fuzzing" if nodeid.split("/", 1)[0] == "fuzzing" else "contracts"


class PhaseClock:
    """Charges elapsed time, CPU time (``cpu_clock``: the runner's adds the embedded target's
    process to this one's) and requests (when ``request_count`` is given) to the current phase.

    ``started`` and ``started_cpu`` are the run's start on ``clock`` and ``cpu_clock`` (default:
    now). Also a pytest plugin: added to
    the runner's in-process session, it switches phases around tests and fixture set-ups.
    """

    def __init__(
        self,
        started: float | None = None,
        started_cpu: float | None = None,
        request_count: Callable[[], int] | None = None,
        clock: Callable[[], float] = time.monotonic,
        cpu_clock: Callable[[], float] = time.process_time,
        rate_limits: Callable[[], Reading] | None = None,
    ) -> None:
        self._clock = clock
        self._cpu_clock = cpu_clock
        self._count = request_count
        self._rate_limits = rate_limits
        self.contract_requests: Counter[str] = Counter()
        self._contracts: tuple[str, ...] = ()  # the contracts of the test running
        self.seconds: dict[str, float] = dict.fromkeys(PHASES, 0.0)
        self.cpu_seconds: dict[str, float] = dict.fromkeys(PHASES, 0.0)
        self.requests: dict[str, int] | None = (
            dict.fromkeys(PHASES, 0) if request_count is not None else None
        )
        self.current = "startup"
        self._since = clock() if started is None else started
        self._since_cpu = cpu_clock() if started_cpu is None else started_cpu
        self._since_count = 0  # a request counter starts at zero with its target

    def _requests_now(self) -> int:
        return int(self._count()) if self._count is not None else 0

    def switch(self, phase: str, contracts: tuple[str, ...] | None = None) -> None:
        """Charge the time since the last switch to the current phase (and the requests to the
        current contracts too), then enter ``phase`` (with ``contracts`` when given)."""
        now, cpu, count = self._clock(), self._cpu_clock(), self._requests_now()
        self.seconds[self.current] += max(now - self._since, 0.0)
        self.cpu_seconds[self.current] += max(cpu - self._since_cpu, 0.0)
        if self.requests is not None:
            sent = max(count - self._since_count, 0)
            self.requests[self.current] += sent
            for contract_id in self._contracts:
                self.contract_requests[contract_id] += sent
        self.current, self._since, self._since_cpu, self._since_count = phase, now, cpu, count
        recording.set_phase(phase)  # the HAR's entries say which phase sent them
        if contracts is not None:
            self._contracts = contracts

    def finish(self) -> None:
        """Charge the time up to now; the clock can go on (a later ``finish`` adds to it)."""
        self.switch(self.current)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())

    @property
    def total_requests(self) -> int | None:
        return sum(self.requests.values()) if self.requests is not None else None

    def as_dict(self) -> dict:
        """The ``performance`` object of summary.json."""
        total = self.total_seconds
        requests = self.total_requests
        limits = self._rate_limits() if self._rate_limits is not None else None
        return {
            "phases_seconds": {p: round(self.seconds[p], 3) for p in PHASES},
            "phases_cpu_seconds": {p: round(self.cpu_seconds[p], 3) for p in PHASES},
            "phases_requests": dict(self.requests) if self.requests is not None else None,
            "requests": requests,
            "requests_per_second": (
                round(requests / total, 1) if requests is not None and total > 0 else None
            ),
            "contracts_requests": (
                dict(sorted(self.contract_requests.items())) if self.requests is not None else None
            ),
            "status_429": limits.status_429 if limits is not None else None,
            "waited_429_seconds": round(limits.waited_429_seconds, 3) if limits else None,
            "paced_seconds": round(limits.paced_seconds, 3) if limits is not None else None,
        }

    # -- pytest hooks ------------------------------------------------------------------------
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> _Wrap:
        contracts = tuple(
            dict.fromkeys(str(i) for mark in item.iter_markers(_CONTRACT_MARKER) for i in mark.args)
        )
        self.switch(item_phase(item.nodeid), contracts)
        try:
            return (yield)
        finally:
            self.switch("reports" if nextitem is None else self.current, ())

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(
        self, fixturedef: pytest.FixtureDef, request: pytest.FixtureRequest
    ) -> _Wrap:
        module = getattr(getattr(fixturedef, "func", None), "__module__", "") or ""
        phase = fixture_phase(fixturedef.argname, module, getattr(fixturedef, "baseid", ""))
        shared = phase is not None or fixturedef.argname in _SHARED_FIXTURES
        if not shared or (phase == self.current and not self._contracts):
            return (yield)
        outer, contracts = self.current, self._contracts
        self.switch(phase or outer, ())
        try:
            return (yield)
        finally:
            self.switch(outer, contracts)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self, session: pytest.Session) -> _Wrap:
        try:
            return (yield)
        finally:
            if self.current != "reports":
                self.switch("reports")
