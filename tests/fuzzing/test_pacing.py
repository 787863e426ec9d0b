"""The pacer: how long to wait after a 429 and before the bucket runs dry, always bounded."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import httpx

from scrip_conformance.pacing import MAX_WAIT, PacedTransport, Pacer, pace_delay, retry_after

NOW = 1_800_000_000.0


def test_retry_after_reads_seconds_and_http_dates_and_is_bounded():
    assert retry_after({"Retry-After": "2"}, NOW) == 2.0
    date = format_datetime(datetime.fromtimestamp(NOW + 5, UTC), usegmt=True)
    assert retry_after({"retry-after": date}, NOW) == 5.0
    assert retry_after({"Retry-After": "86400"}, NOW) == MAX_WAIT
    assert retry_after({"Retry-After": "-3"}, NOW) == 0.0
    assert retry_after({}, NOW) == 1.0  # a 429 without a usable Retry-After: wait a second


def test_no_pacing_while_tokens_remain_or_without_headers():
    assert (
        pace_delay(
            {
                "X-RateLimit-Limit": "30",
                "X-RateLimit-Remaining": "12",
                "X-RateLimit-Reset": str(int(NOW) + 2),
            },
            NOW,
        )
        == 0.0
    )
    assert pace_delay({}, NOW) == 0.0
    assert pace_delay({"X-RateLimit-Remaining": "0"}, NOW) == 0.0


def test_an_empty_bucket_waits_for_the_tokens_it_misses_at_the_refill_rate():
    # 30 tokens missing, full again in 3 s: one token per 0.1 s; keep one in reserve -> 0.2 s
    headers = {
        "X-RateLimit-Limit": "30",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": str(int(NOW) + 3),
    }
    assert abs(pace_delay(headers, NOW) - 0.2) < 1e-9
    # a reset sent as seconds from now is read the same way
    assert abs(pace_delay({**headers, "X-RateLimit-Reset": "3"}, NOW) - 0.2) < 1e-9


class _Clock:
    def __init__(self) -> None:
        self.now = NOW
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_pacer_makes_the_next_request_wait_out_a_429():
    clock = _Clock()
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    assert pacer.before_request() == 0.0
    pacer.after_response(429, {"Retry-After": "3"})
    assert pacer.before_request() == 3.0
    assert pacer.before_request() == 0.0
    assert pacer.rate_limited == 1 and pacer.waited == 3.0


def test_the_paced_transport_retries_a_429_after_its_retry_after():
    clock = _Clock()
    answers = iter([
        httpx.Response(429, headers={"Retry-After": "2"}),
        httpx.Response(200, json={"ok": True}),
    ])  # fmt: skip
    inner = httpx.MockTransport(lambda request: next(answers))
    transport = PacedTransport(Pacer(clock=clock, sleep=clock.sleep), inner)
    with httpx.Client(transport=transport, base_url="http://target") as client:
        response = client.post("/v1/programs", json={"name": "x"})
    assert response.status_code == 200
    assert clock.slept == [2.0]


def test_the_paced_transport_gives_up_after_its_retries():
    clock = _Clock()
    inner = httpx.MockTransport(lambda request: httpx.Response(429, headers={"Retry-After": "1"}))
    transport = PacedTransport(Pacer(clock=clock, sleep=clock.sleep), inner, max_retries=2)
    with httpx.Client(transport=transport, base_url="http://target") as client:
        assert client.get("/v1/programs").status_code == 429
    assert clock.slept == [1.0, 1.0]
