"""Independent reads sent a few at a time come back, and reach the observers, in the order
asked, exactly as one after another; a failed read raises where a serial run would."""

from __future__ import annotations

import random
import threading
import time

import httpx
import pytest

from scrip_conformance.client import TargetClient, TargetError
from scrip_conformance.prefetch import get_all


def _slow_echo(in_flight: list[int], peak: list[int], lock: threading.Lock):
    def answer(request: httpx.Request) -> httpx.Response:
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(random.uniform(0.0, 0.02))  # answers arrive out of order
        with lock:
            in_flight[0] -= 1
        if request.url.path == "/v1/broken":
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"path": request.url.path})

    return answer


@pytest.mark.parametrize("concurrency", [1, 4])
def test_reads_come_back_in_the_order_asked_with_at_most_n_in_flight(concurrency):
    in_flight, peak, lock = [0], [0], threading.Lock()
    client = TargetClient(
        "http://reads", "sk_reads", transport=httpx.MockTransport(_slow_echo(in_flight, peak, lock))
    )
    observed: list[str] = []
    client.observers.append(lambda response: observed.append(response.path))
    paths = [f"/v1/assets/{i}" for i in range(20)]
    answers = get_all(client, [(p, None) for p in paths], concurrency)
    assert [a.body["path"] for a in answers] == paths
    assert observed == paths
    assert peak[0] <= concurrency


def test_the_first_failed_read_raises_after_the_answers_before_it_were_observed():
    in_flight, peak, lock = [0], [0], threading.Lock()
    client = TargetClient(
        "http://reads", "sk_reads", transport=httpx.MockTransport(_slow_echo(in_flight, peak, lock))
    )
    observed: list[str] = []
    client.observers.append(lambda response: observed.append(response.path))
    reads = [("/v1/a", None), ("/v1/b", None), ("/v1/broken", None), ("/v1/c", None)]
    with pytest.raises(TargetError, match="cannot reach"):
        get_all(client, reads, 4)
    assert observed == ["/v1/a", "/v1/b"]
