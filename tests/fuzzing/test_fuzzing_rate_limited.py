"""Fuzzing a server that enforces the documented rate limit (burst 30, 10 per second, 429 with
Retry-After): the set-up and the engine wait out every 429 and pace themselves by the
X-RateLimit-* headers, so a correct server is judged clean; missing headers are a SHOULD note.

A small fuzzing run sends some 150 requests at well under 10 per second on a busy test machine,
so the tests that must see 429s use the same bucket scaled down (burst 5, 4 per second)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fuzz_servers import API_KEY, ORG, settings
from rate_limited import BURST, RATE, RateLimited

from scrip_conformance.fuzzing import discover, provision, run_fuzzing
from scrip_conformance.pacing import Pacer
from scrip_conformance.reference.server import ReferenceServer

PHASES = ("examples", "fuzzing", "stateful")
TIGHT = {"burst": 5, "rate": 4.0}


@contextmanager
def limited(
    *, headers: bool, burst: int = BURST, rate: float = RATE
) -> Iterator[tuple[ReferenceServer, RateLimited]]:
    server = ReferenceServer(api_keys={API_KEY: ORG})
    limiter = RateLimited(server.app, {API_KEY}, headers=headers, burst=burst, rate=rate)
    server.app = limiter
    with server:
        yield server, limiter


def _fuzz(server: ReferenceServer, pacer: Pacer, **overrides):
    unsupported = overrides.pop("unsupported", frozenset())
    ids = provision(server.base_url, API_KEY, seed=5, unsupported=unsupported, pacer=pacer)
    ids.readable = discover(server.base_url, API_KEY, pacer=pacer).by_kind()
    return run_fuzzing(
        settings(
            server.base_url,
            ids,
            seed=5,
            phases=PHASES,
            max_examples=2,
            unsupported=unsupported,
            **overrides,
        ),
        pacer,
    )


def test_behind_the_documented_rate_limit_fuzzing_judges_the_server_clean():
    pacer = Pacer()
    with limited(headers=True) as (server, limiter):
        report = _fuzz(server, pacer)
    assert limiter.passed > 50
    assert [f.as_violation().render() for f in report.failures] == []
    assert report.errors == []


def test_behind_a_rate_limit_without_headers_every_429_is_waited_out():
    pacer = Pacer()
    with limited(headers=False, **TIGHT) as (server, limiter):
        report = _fuzz(server, pacer, unsupported=frozenset({"rate-limit-headers"}))
    assert limiter.refused > 0  # the limit was hit: only Retry-After could save the run
    assert 0 < pacer.rate_limited <= limiter.refused
    assert [f.as_violation().render() for f in report.failures] == []
    assert report.errors == []
    assert report.operations["adjustParticipantBalance"].reached_2xx


def test_with_rate_limit_headers_the_pacer_keeps_429s_rare_and_the_run_clean():
    pacer = Pacer()
    with limited(headers=True, **TIGHT) as (server, limiter):
        report = _fuzz(server, pacer)
    assert [f.as_violation().render() for f in report.failures] == []
    assert report.errors == []
    assert limiter.passed > 3 * limiter.refused  # pacing, not retrying, carries the run
    assert pacer.waited > 0


def test_missing_rate_limit_headers_are_a_should_note_not_a_ledger_failure():
    with limited(headers=False) as (server, _):
        report = _fuzz(server, Pacer(), operations=("listPrograms", "getAsset"))
    contracts = {f.contract_id for f in report.failures}
    assert contracts == {"RATELIMIT-HEADERS"}, contracts
