"""The write-side scenarios run side by side: each test reports exactly its own scenario's
outcome, requests and checks, in the serial order, whatever ran beside it (no server: the
scenarios are small functions that count and record)."""

from __future__ import annotations

import inspect
import threading
import time

import pytest

from scrip_conformance import metering, witnesses
from scrip_conformance.provisioning.side_by_side import (
    SideBySide,
    scenario,
    scenario_of,
    unit_fixture,
)


class Gate:
    """Lets a scenario wait until another one has started (proof they overlap)."""

    def __init__(self) -> None:
        self.opened = threading.Event()


def _engine(concurrency: int, make_ledger=lambda: "ledger") -> SideBySide:
    return SideBySide({"target": "the target"}, make_ledger, concurrency)


def _sends(n: int) -> None:
    for _ in range(n):
        metering.meter().admit()
        metering.meter().sent(200)


def _reported(engine: SideBySide, nodeid: str) -> tuple[str, list, BaseException | None]:
    seen: list[tuple[str, str, int]] = []
    try:
        engine.report(nodeid, lambda c, w, n=1: seen.append((c, w, n)))
    except BaseException as exc:  # noqa: BLE001 - what the test would raise
        return nodeid, seen, exc
    return nodeid, seen, None


@pytest.fixture(autouse=True)
def fresh_meter():
    metering.reset()
    yield
    metering.reset()


def test_units_run_at_the_same_time_and_each_test_reports_its_own_outcome_in_order():
    gate = Gate()
    events: list[str] = []

    def waits_for_the_other_unit(witness):
        assert gate.opened.wait(5), "the other unit never started: the units ran one by one"
        events.append("a")
        witness("C-A", "things", 2)
        _sends(3)

    def opens_the_gate(witness):
        gate.opened.set()
        events.append("b")
        _sends(5)
        raise AssertionError("b's own failure")

    engine = _engine(concurrency=2)
    engine.add("a.py::test_a", "a.py", waits_for_the_other_unit)
    engine.add("b.py::test_b", "b.py", opens_the_gate)
    engine.start()
    try:
        first = _reported(engine, "a.py::test_a")
        after_first = metering.meter().requests
        second = _reported(engine, "b.py::test_b")
    finally:
        engine.close()
    assert first == ("a.py::test_a", [("C-A", "things", 2)], None)
    assert after_first == 3  # only a's requests were charged while a's test reported
    assert second[0] == "b.py::test_b" and second[1] == []
    assert isinstance(second[2], AssertionError) and "b's own failure" in str(second[2])
    assert metering.meter().requests == 8
    assert sorted(events) == ["a", "b"]


def test_what_the_model_compared_is_charged_to_the_test_whose_scenario_compared_it():
    def compares(contract):
        def run():
            witnesses.MODEL_CHECKS.add(contract, "lots compared", 4)

        return run

    engine = _engine(concurrency=2)
    engine.add("a.py::test_a", "a.py", compares("C-A"))
    engine.add("b.py::test_b", "b.py", compares("C-B"))
    engine.start()
    try:
        before = witnesses.MODEL_CHECKS.snapshot()
        engine.report("a.py::test_a", lambda *a: None)
        added_by_a = witnesses.MODEL_CHECKS.since(before)
        engine.report("b.py::test_b", lambda *a: None)
    finally:
        engine.close()
    assert added_by_a == {"C-A": {"lots compared": 4}}  # b had run too, but is not a's


def test_a_unit_runs_its_scenarios_in_the_file_order_on_one_fixture_torn_down_after_the_last():
    events: list[str] = []

    @unit_fixture
    def shared_set_up(target):
        events.append(f"made for {target}")
        yield "the shared set-up"
        events.append("torn down")

    def first(shared_set_up):
        events.append(f"first on {shared_set_up}")

    def second(shared_set_up):
        events.append(f"second on {shared_set_up}")

    engine = _engine(concurrency=1)
    engine.add("m.py::first", "m.py", first)
    engine.add("m.py::second", "m.py", second)
    engine.start()
    engine.report("m.py::first", lambda *a: None)
    assert events == ["made for the target", "first on the shared set-up"]
    engine.report("m.py::second", lambda *a: None)
    engine.close()
    assert events == [
        "made for the target",
        "first on the shared set-up",
        "second on the shared set-up",
        "torn down",
    ]


def test_a_failed_unit_set_up_is_raised_to_every_scenario_taking_it_and_made_once():
    made: list[int] = []

    @unit_fixture
    def broken_set_up():
        made.append(1)
        raise RuntimeError("the set-up failed")

    def one(broken_set_up):
        pass

    engine = _engine(concurrency=1)
    engine.add("m.py::one", "m.py", one)
    engine.add("m.py::two", "m.py", one)
    errors = [_reported(engine, n)[2] for n in ("m.py::one", "m.py::two")]
    engine.close()
    assert [str(e) for e in errors] == ["the set-up failed"] * 2
    assert made == [1]


def test_with_concurrency_1_each_scenario_runs_in_its_tests_turn():
    events: list[str] = []

    def scenario_named(name):
        def run():
            events.append(f"ran {name}")

        return run

    engine = _engine(concurrency=1)
    for name in ("a", "b"):
        engine.add(f"{name}.py::t", f"{name}.py", scenario_named(name))
    engine.start()
    events.append("started")
    engine.report("a.py::t", lambda *a: None)
    events.append("a reported")
    engine.report("b.py::t", lambda *a: None)
    engine.close()
    assert events == ["started", "ran a", "a reported", "ran b"]


def test_a_scenario_still_running_when_the_run_stops_sends_nothing_more():
    sent_after_stop: list[int] = []
    started = threading.Event()

    def keeps_sending():
        started.set()
        for _ in range(200):
            time.sleep(0.01)
            _sends(1)
            sent_after_stop.append(1)

    engine = _engine(concurrency=2)
    engine.add("a.py::t", "a.py", keeps_sending)
    engine.add("b.py::t", "b.py", lambda: None)
    engine.start()
    assert started.wait(5)
    engine.close()  # waits for the scenario, which meets the stop at its next request
    count = len(sent_after_stop)
    assert count < 200
    error = _reported(engine, "a.py::t")[2]
    assert isinstance(error, metering.Stopped)


def test_a_job_runs_beside_the_units_and_the_quiet_target_waits_for_it():
    gate = Gate()
    finished = threading.Event()

    def job():
        assert gate.opened.wait(5)
        time.sleep(0.05)
        _sends(7)
        finished.set()
        return "the fuzzing report"

    engine = _engine(concurrency=2)
    engine.ahead("fuzzing", lambda: "the data", lambda data: job())
    engine.add("a.py::t", "a.py", gate.opened.set)
    engine.start()
    engine.report("a.py::t", lambda *a: None)
    engine.quiesce()
    assert finished.is_set()  # a test of the whole target starts only after the job
    before = metering.meter().requests
    assert engine.take("fuzzing") == "the fuzzing report"
    assert metering.meter().requests - before == 7  # charged when its tests take it
    engine.close()


def test_with_concurrency_1_a_job_runs_when_the_target_must_be_quiet():
    ran: list[str] = []
    engine = _engine(concurrency=1)
    engine.ahead("fuzzing", lambda: ran.append("set-up"), lambda _: ran.append("job") or "report")
    engine.add("a.py::t", "a.py", lambda: ran.append("scenario"))
    engine.start()
    assert ran == ["set-up"]  # when the units start, whatever comes after
    engine.report("a.py::t", lambda *a: None)
    assert ran == ["set-up", "scenario"]
    engine.quiesce()
    assert ran == ["set-up", "scenario", "job"]
    assert engine.take("fuzzing") == "report"
    engine.close()


def test_a_scenario_test_takes_the_engine_and_keeps_the_scenarios_name_marks_and_location():
    @pytest.mark.contract("C-X")
    @scenario
    def test_something(ledger, target):
        """What it pins."""

    assert list(inspect.signature(test_something).parameters) == [
        "side_by_side",
        "witness",
        "request",
    ]
    assert test_something.__name__ == "test_something"
    assert test_something.__doc__ == "What it pins."
    assert [m.args for m in test_something.pytestmark] == [("C-X",)]
    assert inspect.unwrap(test_something).__code__.co_firstlineno > 0
    scenario_func = scenario_of(type("Item", (), {"obj": test_something})())
    assert list(inspect.signature(scenario_func).parameters) == ["ledger", "target"]


def test_a_unit_that_says_it_takes_long_starts_before_the_others():
    gate = threading.Event()
    waited: list[bool] = []

    def quick():  # waits for the long unit: it would wait in vain if that one were queued
        waited.append(gate.wait(3))

    def waits():
        gate.set()

    says_long = {**waits.__globals__, "START_FIRST": True}  # as if defined in such a module
    long_one = type(waits)(waits.__code__, says_long, "waits", None, waits.__closure__)
    engine = _engine(concurrency=2)  # two threads for three units: one unit is queued
    engine.add("a.py::quick", "a.py", quick)
    engine.add("b.py::quick", "b.py", quick)
    engine.add("z.py::waits", "z.py", long_one)
    engine.start()
    try:
        for nodeid in ("a.py::quick", "b.py::quick", "z.py::waits"):
            engine.report(nodeid, lambda *a: None)
    finally:
        engine.close()
    assert waited == [True, True]  # the last in the serial order started first


def test_a_test_whose_scenario_never_ran_says_so_instead_of_waiting():
    engine = _engine(concurrency=2)
    engine.add("a.py::t", "a.py", lambda: None)
    engine.add("b.py::t", "b.py", lambda: None)
    engine.close()  # stopped before it started: nothing will run
    engine.start()
    engine._pool.shutdown(wait=True)  # the units ran and met the stop
    reported = [_reported(engine, n)[2] for n in ("a.py::t", "b.py::t")]
    assert all(isinstance(error, metering.Stopped) for error in reported)
