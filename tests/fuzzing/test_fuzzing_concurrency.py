"""Fuzzing with several schemathesis workers (``--concurrency``) reports what the serial run
reports: the same cases per operation, the same answers, the same findings in the same order,
and the same request sequence (per operation, in the serial order, not the sending order)."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from typing import Any

from fuzz_servers import API_KEY, serve, settings

from scrip_conformance import metering
from scrip_conformance.fuzzing import BUDGETS, FuzzSettings, KnownIds, provision, run_fuzzing
from scrip_conformance.fuzzing.ordering import HeldPool, side_by_side_layers, workers_for
from scrip_conformance.pacing import Pacer
from scrip_conformance.prefetch import MAX_CONCURRENCY

PHASES = ("examples", "fuzzing", "stateful")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _comparable(report: Any) -> tuple[str, list[str]]:
    """The report and its request sequence without what differs between two fresh servers (port,
    server-made ids, the set-up's random tag, "now"); each id becomes its first-seen rank."""
    names: dict[str, str] = {}

    def norm(text: str) -> str:
        text = re.sub(r"127\.0\.0\.1:\d+", "HOST", text)
        text = re.sub(r"fuzz-(hold|provisional)-[0-9a-f]+-", r"fuzz-\1-TAG-", text)
        text = re.sub(r"external_id=fuzz-[0-9a-f]+-", "external_id=fuzz-TAG-", text)
        text = re.sub(time.strftime("%Y-%m-%d") + r"T[0-9%A.:]+Z", "NOW", text)
        return _UUID.sub(lambda m: names.setdefault(m.group(0), f"<id{len(names)}>"), text)

    sequence = [norm(line) for line in report.request_sequence]
    data = report.as_dict()
    for key in ("elapsed_seconds", "base_url", "known_ids", "request_sequence_sha256"):
        data.pop(key)
    for failure in data["failures"]:
        failure["exchanges"] = []  # ids of the HAR, numbered in sending order
    return norm(json.dumps(data, indent=1, sort_keys=True)), sequence


def _fuzz(workers: int, rewrite: Any = None) -> Any:
    with serve(*([rewrite] if rewrite else [])) as (server, _):
        ids = provision(server.base_url, API_KEY, seed=4)
        run = settings(server.base_url, ids, seed=4, phases=PHASES, workers=workers)
        return run_fuzzing(run)


def test_four_workers_report_exactly_what_one_worker_reports():
    serial, side_by_side = _fuzz(1), _fuzz(4)
    assert serial.cases_sent > 100
    assert all(cov.cases > 0 for cov in serial.operations.values())
    report, sequence = _comparable(serial)
    assert _comparable(side_by_side) == (report, sequence)


def _fuzz_quick(workers: int) -> Any:
    """The quick budget itself: its one-probe auth check, short stateful phase, one participant."""
    with serve() as (server, _):
        ids = provision(server.base_url, API_KEY, seed=4, participants=1)
        run = FuzzSettings(
            server.base_url,
            API_KEY,
            seed=4,
            budget=BUDGETS["quick"],
            known_ids=ids,
            workers=workers,
        )
        return run_fuzzing(run)


def test_the_quick_budget_reports_with_four_workers_exactly_what_one_worker_reports():
    serial, side_by_side = _fuzz_quick(1), _fuzz_quick(4)
    assert serial.cases_sent > 40
    assert all(cov.reached_2xx for cov in serial.operations.values())
    assert _comparable(side_by_side) == _comparable(serial)


def _numbers_as_floats(method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """A broken server: balance figures as JSON numbers (found by several operations)."""
    for row in body.get("data", []) if isinstance(body.get("data"), list) else []:
        if isinstance(row, dict) and isinstance(row.get("available"), str):
            row["available"] = float(row["available"])
    return body


def test_four_workers_find_the_serial_findings_in_the_serial_order():
    serial, side_by_side = _fuzz(1, _numbers_as_floats), _fuzz(4, _numbers_as_floats)
    assert serial.failures, "the broken server must be caught"
    assert _comparable(side_by_side) == _comparable(serial)


def test_reads_between_two_writes_share_a_layer_and_writes_stay_alone():
    ops = ["POST a", "GET b", "GET c", "POST d", "GET e", "PATCH f", "POST g"]
    layers = side_by_side_layers(ops, lambda op: op.startswith("GET"))
    assert layers == [
        ["POST a"],
        ["GET b", "GET c"],
        ["POST d"],
        ["GET e"],
        ["PATCH f"],
        ["POST g"],
    ]
    assert [op for layer in layers for op in layer] == ops


def test_workers_follow_the_concurrency_within_its_bound():
    assert workers_for(1) == 1
    assert workers_for(4) == 4
    assert workers_for(0) == 1
    assert workers_for(10_000) == MAX_CONCURRENCY
    assert (
        dataclasses.replace(settings("http://x", KnownIds()), workers=99).workers == MAX_CONCURRENCY
    )


class _CountingPacer(Pacer):
    def __init__(self) -> None:
        super().__init__()
        self.before = 0
        self.after = 0

    def before_request(self, limit: float | None = None) -> float:
        self.before += 1
        return super().before_request(limit)

    def after_response(self, status: int, headers: Any) -> float:
        self.after += 1
        return super().after_response(status, headers)


def test_the_pacer_sees_every_request_of_every_worker_probes_included():
    pacer = _CountingPacer()
    with serve() as (server, received):
        ids = provision(server.base_url, API_KEY, seed=6)
        received.methods.clear()
        metered = metering.meter().requests
        run = settings(server.base_url, ids, seed=6, phases=PHASES, workers=4, max_examples=2)
        report = run_fuzzing(run, pacer)
        metered = metering.meter().requests - metered
        received_by_the_app = len(received.methods)
    assert report.cases_sent > 50
    # every request sent (the app sees all but schemathesis' probe with a malformed header,
    # which the HTTP server refuses before the app) waited for the pacer and taught it
    assert pacer.before == pacer.after == metered
    assert received_by_the_app <= metered <= received_by_the_app + 1


class _Pool:
    __slots__ = ("seen",)

    def __init__(self) -> None:
        self.seen: list[str] = []

    def record_response(self, *, operation: Any, response: str, case: Any) -> None:
        self.seen.append(f"{operation.label}:{response}")


class _Op:
    def __init__(self, label: str) -> None:
        self.label = label


def test_captured_values_recorded_side_by_side_enter_the_pool_in_the_serial_order():
    pool, holding = _Pool(), [True]
    held = HeldPool(pool, lambda: holding[0])
    assert isinstance(pool, _Pool)  # schemathesis checks the pool's type
    b, a = _Op("GET /b"), _Op("GET /a")
    pool.record_response(operation=b, response="1", case=None)
    pool.record_response(operation=a, response="1", case=None)
    pool.record_response(operation=b, response="2", case=None)
    assert pool.seen == []  # held while operations run side by side
    held.release({"GET /a": 0, "GET /b": 1}.__getitem__)
    assert pool.seen == ["GET /a:1", "GET /b:1", "GET /b:2"]
    holding[0] = False
    pool.record_response(operation=a, response="3", case=None)
    assert pool.seen[-1] == "GET /a:3"  # one operation at a time: straight in
