"""The run's time by phase: every moment is charged to exactly one phase, fixtures and tests go
to the phase their kind says, and the embedded target's request counter counts HTTP requests."""

from __future__ import annotations

import asyncio
import copy

import jsonschema
import pytest
from test_summary_schema import _summary

from scrip_conformance.runner.embedded import RequestCounter
from scrip_conformance.runner.phases import PHASES, PhaseClock, fixture_phase, item_phase
from scrip_conformance.runner.summary import validate_summary


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.cpu = 0.0
        self.requests = 0

    def __call__(self) -> float:
        return self.now

    def cpu_clock(self) -> float:
        return self.cpu


def test_every_moment_is_charged_to_the_phase_current_then():
    time = FakeTime()
    clock = PhaseClock(
        started=90.0,
        started_cpu=0.5,
        request_count=lambda: time.requests,
        clock=time,
        cpu_clock=time.cpu_clock,
    )
    time.requests, time.cpu = 2, 4.5
    clock.switch("discovery")  # 10 s of start-up, its 2 requests
    time.now, time.requests, time.cpu = 103.0, 30, 5.5
    clock.switch("contracts")
    time.now, time.requests, time.cpu = 110.0, 50, 9.5
    clock.switch("fuzzing")
    time.now, time.requests, time.cpu = 150.0, 950, 29.5
    clock.switch("reports")
    time.now, time.requests, time.cpu = 151.5, 951, 30.5
    clock.finish()
    assert clock.seconds == {
        "startup": 10.0,
        "discovery": 3.0,
        "provisioning": 0.0,
        "contracts": 7.0,
        "fuzzing": 40.0,
        "reports": 1.5,
    }
    assert clock.requests == {
        "startup": 2,
        "discovery": 28,
        "provisioning": 0,
        "contracts": 20,
        "fuzzing": 900,
        "reports": 1,
    }
    assert clock.cpu_seconds == {
        "startup": 4.0,
        "discovery": 1.0,
        "provisioning": 0.0,
        "contracts": 4.0,
        "fuzzing": 20.0,
        "reports": 1.0,
    }
    doc = clock.as_dict()
    assert doc["phases_cpu_seconds"]["fuzzing"] == 20.0
    assert doc["requests"] == 951
    assert doc["requests_per_second"] == round(951 / 61.5, 1)


def test_without_a_request_counter_the_requests_are_unknown():
    time = FakeTime()
    clock = PhaseClock(clock=time, cpu_clock=time.cpu_clock)
    time.now, time.cpu = 104.0, 1.5
    clock.finish()
    doc = clock.as_dict()
    assert doc["phases_seconds"]["startup"] == 4.0
    assert doc["phases_cpu_seconds"]["startup"] == 1.5
    assert doc["requests"] is doc["requests_per_second"] is doc["phases_requests"] is None


@pytest.mark.parametrize(
    ("argname", "module", "baseid", "phase"),
    [
        ("discovery", "scrip_conformance.pytest_plugin", "", "discovery"),
        ("ledger", "scrip_conformance.provisioning.fixtures", "", "provisioning"),
        ("seeded_org", "conftest", "isolation", "provisioning"),
        ("burst_target", "conftest", "concurrency/sub", "provisioning"),
        ("api", "scrip_conformance.pytest_plugin", "", None),
        ("error_probes", "conftest", "read_only", None),
    ],
)
def test_a_fixture_set_up_is_charged_by_what_it_does(argname, module, baseid, phase):
    assert fixture_phase(argname, module, baseid) == phase


def test_tests_under_fuzzing_are_the_fuzzing_phase_and_the_rest_contracts():
    assert item_phase("fuzzing/test_fuzzing.py::test_x") == "fuzzing"
    assert item_phase("read_only/test_lots.py::test_fuzzing_like_name") == "contracts"
    assert item_phase("provisioning/test_prov.py::test_y") == "contracts"


def test_the_request_counter_counts_http_requests_and_keeps_the_apps_attributes():
    seen = []

    class App:
        state = "the app's state"

        async def __call__(self, scope, receive, send):
            seen.append(scope["type"])

    counter = RequestCounter(App())
    for kind in ("http", "lifespan", "http", "websocket"):
        asyncio.run(counter({"type": kind}, None, None))
    assert counter.count == 2
    assert seen == ["http", "lifespan", "http", "websocket"]
    assert counter.state == "the app's state"


def test_the_summary_schema_takes_the_performance_object_and_checks_its_phases():
    summary = _summary()
    validate_summary(summary)  # absent: summaries of older runs stay valid
    clock = PhaseClock(request_count=lambda: 0)
    clock.finish()
    summary["performance"] = clock.as_dict()
    validate_summary(summary)
    assert set(summary["performance"]["phases_seconds"]) == set(PHASES)
    for broken in (
        lambda p: p["phases_seconds"].pop("fuzzing"),
        lambda p: p.pop("phases_cpu_seconds"),
        lambda p: p["phases_cpu_seconds"].update(fuzzing=-1.0),
        lambda p: p["phases_seconds"].update(warmup=1.0),
        lambda p: p.update(requests=-1),
        lambda p: p["phases_requests"].update(contracts=1.5),
    ):
        bad = copy.deepcopy(summary)
        broken(bad["performance"])
        with pytest.raises(jsonschema.ValidationError):
            validate_summary(bad)
