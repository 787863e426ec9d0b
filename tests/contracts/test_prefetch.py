"""Independent reads sent a few at a time come back, and reach the observers, in the order
asked, exactly as one after another; a failed read raises where a serial run would."""

from __future__ import annotations

import random
import threading
import time

import httpx
import pytest

from scrip_conformance.client import TargetClient, TargetError
from scrip_conformance.discovery import walk_all
from scrip_conformance.prefetch import get_all, replay_all


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


def _observed_echo_client() -> tuple[TargetClient, list[str], list[int]]:
    """A client of :func:`_slow_echo`, the paths its observers saw, and the peak in flight."""
    in_flight, peak, lock = [0], [0], threading.Lock()
    client = TargetClient(
        "http://reads", "sk_reads", transport=httpx.MockTransport(_slow_echo(in_flight, peak, lock))
    )
    observed: list[str] = []
    client.observers.append(lambda response: observed.append(response.path))
    return client, observed, peak


@pytest.mark.parametrize("concurrency", [1, 4])
def test_reads_come_back_in_the_order_asked_with_at_most_n_in_flight(concurrency):
    client, observed, peak = _observed_echo_client()
    paths = [f"/v1/assets/{i}" for i in range(20)]
    answers = get_all(client, [(p, None) for p in paths], concurrency)
    assert [a.body["path"] for a in answers] == paths
    assert observed == paths
    assert peak[0] <= concurrency


def test_the_first_failed_read_raises_after_the_answers_before_it_were_observed():
    client, observed, peak = _observed_echo_client()
    reads = [("/v1/a", None), ("/v1/b", None), ("/v1/broken", None), ("/v1/c", None)]
    with pytest.raises(TargetError, match="cannot reach"):
        get_all(client, reads, 4)
    assert observed == ["/v1/a", "/v1/b"]


def _three_reads(base: str):
    """A read of three GETs one after another, the later ones named by the earlier answers."""

    def read(api):
        first = api.get(f"{base}/a").body["path"]
        second = api.get(f"{first}/b").body["path"]
        return [first, second, api.get(f"{second}/c").body["path"]]

    return read


@pytest.mark.parametrize("concurrency", [1, 4])
def test_reads_of_several_gets_come_back_and_are_observed_in_the_serial_order(concurrency):
    client, observed, peak = _observed_echo_client()
    reads = [_three_reads(f"/v1/lists/{i}") for i in range(8)]
    results = replay_all(client, reads, concurrency)
    expected = [
        [f"/v1/lists/{i}/a", f"/v1/lists/{i}/a/b", f"/v1/lists/{i}/a/b/c"] for i in range(8)
    ]
    assert results == expected
    assert observed == [path for paths in expected for path in paths]
    assert peak[0] <= concurrency
    assert len(client.requests) == 24  # each GET sent once: the replay answers from the reads


def test_a_read_that_failed_ahead_is_sent_again_and_raises_where_a_serial_run_would():
    client, observed, peak = _observed_echo_client()
    reads = [_three_reads("/v1/x"), lambda api: api.get("/v1/broken"), _three_reads("/v1/y")]
    with pytest.raises(TargetError, match="cannot reach"):
        replay_all(client, reads, 4)
    assert observed == ["/v1/x/a", "/v1/x/a/b", "/v1/x/a/b/c"]


def test_lists_walked_together_are_the_walks_of_a_serial_run(reference_with):
    server = reference_with()
    lists = [("/v1/participants", {}), ("/v1/assets", {}), ("/v1/programs", {"status": "ACTIVE"})]
    walks = {}
    for concurrency in (1, 4):
        client = TargetClient(server.base_url, "sk_a")
        observed: list[str] = []
        client.observers.append(lambda response, seen=observed: seen.append(response.curl))
        walks[concurrency] = (walk_all(client, lists, concurrency, page_size=2), observed)
    (serial, serial_seen), (together, together_seen) = walks[1], walks[4]
    assert [w.items for w in together] == [w.items for w in serial]
    assert [w.complete for w in together] == [w.complete for w in serial]
    assert serial[0].pages > 1  # several pages each: each walk follows its own cursor
    assert together_seen == serial_seen


def test_reads_with_their_own_key_options_are_sent_with_them():
    def echo_key(request: httpx.Request) -> httpx.Response:
        seen = request.headers.get("x-api-key") or request.headers.get("authorization") or "none"
        return httpx.Response(200, json={"key": "the target's" if seen == "sk_reads" else seen})

    client = TargetClient("http://reads", "sk_reads", transport=httpx.MockTransport(echo_key))
    reads = [
        ("/v1/assets", None),
        ("/v1/assets", None, {"key": None}),
        ("/v1/assets", None, {"key": "wrong", "bearer": True}),
    ]
    answers = get_all(client, reads, 4)
    assert [a.body["key"] for a in answers] == ["the target's", "none", "Bearer wrong"]
