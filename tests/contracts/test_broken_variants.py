"""Servers that break one read-only contract each: the suite fails and names that contract."""

from __future__ import annotations

import pytest
from asgi_faults import Fault, FaultMiddleware, plus_minor_unit

LOTS = "/balances/lots"
SCHEDULE = "/v1/reports/expiration-schedule"


def remaining_above_amount(path, query, status, body):
    """One AVAILABLE lot per page claims one minor unit more than it was credited."""
    if path.endswith(LOTS) and status == 200:
        for lot in body.get("data", []):
            if lot["status"] == "AVAILABLE":
                lot["remaining"] = plus_minor_unit(lot["amount"])
                break
    return status, body


def bucket_off_by_one(path, query, status, body):
    """The first bucket of every schedule row is one minor unit too high."""
    if path == SCHEDULE and status == 200:
        for row in body.get("data", []):
            if row["buckets"]:
                row["buckets"][0]["amount"] = plus_minor_unit(row["buckets"][0]["amount"])
    return status, body


def cursor_repeats_an_item(state):
    """A page reached through a cursor starts again with the last item of the previous page."""

    def answer(path, query, status, body):
        if status != 200 or not isinstance(body.get("data"), list) or not body["data"]:
            return status, body
        key = (path, tuple(sorted((k, v) for k, v in query.items() if k not in ("cursor",))))
        served_last = body["data"][-1]
        if "cursor" in query and key in state:
            body["data"] = [state[key]] + body["data"][:-1]
        state[key] = served_last
        return status, body

    return answer


def more_on_a_full_last_page(path, query, status, body):
    """has_more is ``len(page) >= limit``: a last page exactly full at a page size of ten or
    more says has_more true, with no cursor to give (a list walked in pages of one to nine
    never meets it)."""
    limit = query.get("limit", "")
    data = body.get("data") if status == 200 and isinstance(body, dict) else None
    if isinstance(data, list) and limit.isdigit() and 10 <= len(data) == int(limit):
        body["pagination"] = {"has_more": True, "next_cursor": None}
    return status, body


def ignore_status_filter(path, query):
    """The lot list drops its status filter."""
    if path.endswith(LOTS):
        return {k: v for k, v in query.items() if k != "status"}
    return query


def plain_text_401(path, query, status):
    """401 answers come back as plain text."""
    if status == 401:
        return 401, "text/plain", b"Unauthorized"
    return None


def crash_on_bad_limit(path, query, status):
    """A limit outside 1..200 crashes the server."""
    limit = query.get("limit")
    if limit is not None and not (limit.isdigit() and 1 <= int(limit) <= 200):
        return 500, "text/plain", b"Internal Server Error"
    return None


VARIANTS = [
    pytest.param(
        Fault("remaining > amount", answer=remaining_above_amount),
        "LOT-REMAINING-LE-AMOUNT",
        ("LOT-REMAINING-LE-AMOUNT",),
        id="remaining-above-amount",
    ),
    pytest.param(
        Fault("schedule bucket off by one minor unit", answer=bucket_off_by_one),
        "SCHEDULE-SUMS-EXACTLY",
        ("SCHEDULE-SUMS-EXACTLY",),
        id="bucket-off-by-one",
    ),
    pytest.param(
        "repeat",
        "PAGINATION-NO-DUPLICATES",
        ("PAGINATION-NO-DUPLICATES",),
        id="cursor-repeats-an-item",
    ),
    pytest.param(
        Fault("has_more on an exactly full last page", answer=more_on_a_full_last_page),
        "PAGINATION-HAS-MORE-CURSOR",
        ("PAGINATION-HAS-MORE-CURSOR",),
        id="has-more-on-a-full-last-page",
    ),
    pytest.param(
        Fault("status filter ignored", query=ignore_status_filter),
        "FILTER-LOT-STATUS",
        ("FILTER-LOT-STATUS",),
        id="status-filter-ignored",
    ),
    pytest.param(
        Fault("401 without a JSON body", raw=plain_text_401),
        "AUTH-MISSING-KEY-401",
        ("AUTH-MISSING-KEY-401", "RESPONSE-IS-JSON"),
        id="plain-text-401",
    ),
    pytest.param(
        Fault("500 for a bad limit", raw=crash_on_bad_limit),
        "ERROR-NO-5XX",
        ("ERROR-NO-5XX", "ERROR-BAD-LIMIT-400"),
        id="500-for-bad-limit",
    ),
]


@pytest.mark.parametrize(("fault", "expected", "selected"), VARIANTS)
def test_suite_fails_and_names_the_broken_contract(
    fault, expected, selected, reference_with, run_read_only
):
    if fault == "repeat":
        state: dict = {}
        fault = Fault("cursor repeats an item", answer=cursor_repeats_an_item(state), state=state)
    server = reference_with(FaultMiddleware, fault=fault)
    args = [arg for contract in selected for arg in ("--contract", contract)]
    run = run_read_only(server, *args)
    assert run.returncode == 1, f"{fault.name}: the suite did not fail\n{run.output}"
    assert expected in run.failed_contracts(), run.output
    assert "request:  curl -X GET" in run.output  # the failure shows how to reproduce it
    assert "sk_a" not in run.output


def test_a_broken_should_contract_warns_without_failing_the_run(reference_with, run_read_only):
    fault = Fault("no rate-limit headers", drop_headers=("x-ratelimit-limit",))
    server = reference_with(FaultMiddleware, fault=fault)
    run = run_read_only(server, "--contract", "RATELIMIT-HEADERS")
    assert run.returncode == 0, run.output
    assert "SHOULD-level contracts not met (warnings)" in run.output
    assert "[RATELIMIT-HEADERS]" in run.output
