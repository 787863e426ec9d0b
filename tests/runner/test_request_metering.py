"""Requests to verdict, counted by the suite's own clients for any target: every request sent
(a retried 429 twice), the 429s and the time waited, charged per phase and per contract; the main
client paces itself by the target's rate-limit headers, one pacer per target."""

from __future__ import annotations

import time

import httpx
import pytest

from scrip_conformance import metering
from scrip_conformance.client import TargetClient
from scrip_conformance.pacing import Pacer, forget_pacers, pacer_for
from scrip_conformance.runner.phases import PhaseClock
from scrip_conformance.safety import limits
from scrip_conformance.safety.transport import GuardedTransport

KEY = "sk_meter_test_key"


@pytest.fixture(autouse=True)
def fresh_meter():
    forget_pacers()
    limits.reset_retry_budget()
    yield metering.reset()
    forget_pacers()


def test_every_request_the_client_sends_is_counted_a_retried_429_twice(fresh_meter):
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "0"}, json={}),
            httpx.Response(200, json={}),
            httpx.Response(200, json={}),
        ]
    )
    client = TargetClient(
        "http://meter", KEY, transport=httpx.MockTransport(lambda request: next(answers))
    )
    assert client.get("/v1/assets").status_code == 200
    assert client.get("/v1/programs").status_code == 200
    reading = fresh_meter.reading()
    assert reading.requests == 3 and reading.status_429 == 1


def test_a_request_without_an_answer_still_counts(fresh_meter):
    def refuse(request):
        raise httpx.ConnectError("refused", request=request)

    client = TargetClient("http://meter", KEY, transport=httpx.MockTransport(refuse))
    with pytest.raises(Exception, match="cannot reach"):
        client.get("/v1/assets")
    assert fresh_meter.requests == 1


def test_the_fuzzing_set_ups_transport_counts_too(fresh_meter):
    inner = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    with httpx.Client(transport=GuardedTransport(5.0, inner)) as http:
        http.get("http://meter/v1/assets")
        http.get("http://meter/v1/programs")
    assert fresh_meter.requests == 2


def test_the_client_slows_down_when_the_bucket_runs_dry_instead_of_provoking_a_429(fresh_meter):
    reset_at = str(int(time.time()) + 1)

    def dry(request):
        return httpx.Response(
            200,
            json={},
            headers={
                "X-RateLimit-Limit": "30",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": reset_at,
            },
        )

    client = TargetClient("http://meter", KEY, transport=httpx.MockTransport(dry))
    client.get("/v1/assets")
    client.get("/v1/assets")  # waits for a token: a fifteenth of the time to the reset
    assert fresh_meter.reading().paced_seconds > 0
    assert fresh_meter.reading().status_429 == 0


def test_clients_of_one_target_share_its_pacer_and_other_targets_get_their_own():
    first = TargetClient("http://shared:8080", KEY)
    second = TargetClient("http://shared:8080/", KEY)
    other = TargetClient("http://elsewhere:8080", KEY)
    assert first.pacer is second.pacer is pacer_for("http://shared:8080")
    assert other.pacer is not first.pacer
    own = Pacer()
    assert TargetClient("http://shared:8080", KEY, pacer=own).pacer is own


def test_a_429_wait_and_a_pacing_wait_are_told_apart(fresh_meter):
    now = [1_800_000_000.0]
    pacer = Pacer(clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    pacer.after_response(429, {"Retry-After": "2"})
    assert pacer.before_request() == 2.0
    pacer.after_response(
        200,
        {
            "X-RateLimit-Limit": "10",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(int(now[0]) + 10),
        },
    )
    assert pacer.before_request() == pytest.approx(2.0)  # two tokens' time: one kept in hand
    reading = fresh_meter.reading()
    assert reading.waited_429_seconds == 2.0 and reading.paced_seconds == pytest.approx(2.0)


def test_a_pacing_wait_is_cut_at_the_runs_deadline():
    now = [1_800_000_000.0]
    pacer = Pacer(clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    pacer.after_response(429, {"Retry-After": "20"})
    assert pacer.before_request(limit=3.0) == 3.0


class FakeItem:
    def __init__(self, nodeid: str, contracts: tuple[str, ...]) -> None:
        self.nodeid = nodeid
        self._contracts = contracts

    def iter_markers(self, name: str):
        if name == "contract":
            yield pytest.mark.contract(*self._contracts).mark


def _drive(generator):
    next(generator)
    try:
        generator.send(None)
    except StopIteration:
        pass


def test_requests_are_charged_to_each_contract_of_the_test_but_not_shared_set_ups():
    sent = [0]
    clock = PhaseClock(request_count=lambda: sent[0])
    first = FakeItem("read_only/test_a.py::test_a", ("A-ONE", "A-TWO"))
    second = FakeItem("read_only/test_b.py::test_b", ("B",))
    protocol = clock.pytest_runtest_protocol(first, second)
    next(protocol)
    sent[0] += 5
    _drive_fixture = clock.pytest_fixture_setup(_fixture("discovery"), None)
    next(_drive_fixture)
    sent[0] += 100  # the walk: discovery's, no contract's
    _finish(_drive_fixture)
    sent[0] += 2
    _finish(protocol)
    protocol = clock.pytest_runtest_protocol(second, None)
    next(protocol)
    sent[0] += 7
    _finish(protocol)
    clock.finish()
    assert dict(clock.contract_requests) == {"A-ONE": 7, "A-TWO": 7, "B": 7}
    assert clock.requests is not None
    assert clock.requests["discovery"] == 100 and clock.requests["contracts"] == 14
    performance = clock.as_dict()
    assert performance["contracts_requests"] == {"A-ONE": 7, "A-TWO": 7, "B": 7}
    assert performance["requests"] == 114


def _fixture(argname: str):
    class Def:
        func = None
        baseid = ""

    fixture = Def()
    fixture.argname = argname  # type: ignore[attr-defined]
    return fixture


def _finish(generator) -> None:
    try:
        generator.send(None)
    except StopIteration:
        pass


def test_headers_announcing_an_hour_long_refill_do_not_stall_the_run():
    now = [1_800_000_000.0]
    pacer = Pacer(clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    pacer.after_response(
        200,
        {
            "X-RateLimit-Limit": "30",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(int(now[0]) + 3600),
        },
    )
    assert 0 < pacer.before_request() <= 2.0
    assert pacer.before_request() <= 2.0


def test_waiting_out_429s_in_the_pacer_stops_once_the_runs_budget_is_spent(monkeypatch):
    monkeypatch.setenv(limits.MAX_RETRY_WAIT_ENV, "5")
    limits.reset_retry_budget()
    now = [1_800_000_000.0]
    pacer = Pacer(clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    pacer.after_response(429, {"Retry-After": "3"})
    assert pacer.before_request() == 3.0  # 2 s of the budget left
    pacer.after_response(429, {"Retry-After": "3"})
    assert pacer.before_request() == 0.0  # beyond the budget: the next request goes at once
    monkeypatch.delenv(limits.MAX_RETRY_WAIT_ENV)
    limits.reset_retry_budget()


def test_a_get_on_a_connection_closed_while_idle_is_sent_once_more(fresh_meter):
    calls = []

    def stale_then_fine(request):
        calls.append(request.method)
        if len(calls) == 1:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return httpx.Response(200, json={})

    client = TargetClient("http://meter", KEY, transport=httpx.MockTransport(stale_then_fine))
    assert client.get("/v1/assets").status_code == 200
    assert calls == ["GET", "GET"] and fresh_meter.requests == 2


def test_a_write_on_a_closed_connection_is_not_sent_again(fresh_meter):
    calls = []

    def stale(request):
        calls.append(request.method)
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.")

    client = TargetClient(
        "http://meter", KEY, read_only=False, transport=httpx.MockTransport(stale)
    )
    with pytest.raises(Exception, match="disconnected"):
        client.request("POST", "/v1/programs", json={"name": "x"})
    assert calls == ["POST"]
