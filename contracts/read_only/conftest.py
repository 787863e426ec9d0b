"""Fixtures shared by the read-only contract modules."""

from __future__ import annotations

import pytest

from scrip_conformance.discovery import Findings
from scrip_conformance.invariants import check_response
from scrip_conformance.invariants.errors import TIMESTAMP_FIELDS
from scrip_conformance.invariants.schema import check_matches_spec

from ._probes import ODD_INPUTS, build_probes


@pytest.fixture(scope="session")
def response_audit(api):
    """Violations of the per-response invariants over every response the client receives from
    now on (the hygiene contracts read it), bounded per contract (:class:`Findings`)."""
    found = Findings()

    def observe(response):
        if response.operation_id:
            found.add(check_response(response.context()), response.curl)
            if response.is_json:
                found.add(
                    check_matches_spec(response.operation_id, response.status_code, response.body),
                    response.curl,
                )
            witness_response(found, response)

    api.observers.append(observe)
    return found


def witness_response(found: Findings, response) -> None:
    """Count what the hygiene contracts judged on one response (their witnesses)."""
    status = response.status_code
    found.witness("ERROR-NO-5XX", "responses")
    found.witness("RESPONSE-IS-JSON", "responses")
    found.witness("RATELIMIT-HEADERS", "responses")
    if response.is_json:
        found.witness("RESPONSE-MATCHES-SPEC", "responses checked against the spec")
    if 400 <= status < 500:
        found.witness("ERROR-BODY-SHAPE", "4xx answers")
    if status >= 400:
        found.witness("ERROR-CODE-MATCHES-STATUS", "error answers")
    if 200 <= status < 300 and response.is_json:
        stamps = count_timestamps(response.body)
        if stamps:
            found.witness("TIME-UTC-Z", "timestamps in 2xx answers", stamps)


def count_timestamps(node) -> int:
    """How many timestamp fields (``invariants.errors.TIMESTAMP_FIELDS``) hold a value."""
    if isinstance(node, dict):
        total = 0
        for key, value in node.items():
            scalar = value is not None and not isinstance(value, dict | list)
            total += 1 if key in TIMESTAMP_FIELDS and scalar else count_timestamps(value)
        return total
    if isinstance(node, list):
        return sum(count_timestamps(value) for value in node)
    return 0


@pytest.fixture(scope="session", autouse=True)
def _audit_from_the_start(request):
    """Start the audit before the first contract test (only when contract tests run)."""
    if any(item.get_closest_marker("contract") for item in request.session.items):
        request.getfixturevalue("response_audit")


@pytest.fixture(scope="session")
def error_probes(discovery, target, api):
    """Each invalid request with the answer it got, and the contracts that could not be probed."""
    probes, skipped = build_probes(discovery, target, api)
    return [(probe, api.get(probe.path, probe.query)) for probe in probes], skipped


@pytest.fixture(scope="session")
def odd_answers(api):
    """Answers to strange but harmless GET requests (for ERROR-NO-5XX and the hygiene checks)."""
    return [api.get(path, query) for path, query in ODD_INPUTS]
