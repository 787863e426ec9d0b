"""Fixtures shared by the read-only contract modules."""

from __future__ import annotations

import warnings

import pytest

from scrip_conformance.catalog import WRITING_PROFILES
from scrip_conformance.discovery import Discovery, Findings
from scrip_conformance.invariants import check_response
from scrip_conformance.invariants.errors import TIMESTAMP_FIELDS
from scrip_conformance.invariants.schema import check_matches_spec, check_no_unknown_fields
from scrip_conformance.prefetch import get_all
from scrip_conformance.provisioning.fixtures import (  # noqa: F401
    own_evidence,
    run_prefix_name,
    run_program,
    wire,
)

from ._probes import build_probes, odd_inputs


@pytest.fixture(scope="session")
def discovery(api, target, request):
    """The data the target holds, walked once per session within the walk limits. A run with a
    writing profile first writes its own evidence (``own_evidence``: every lot status, dated
    lots, several balance rows, ...), and the walk includes it whatever the walk limits, so the
    read-only contracts have something to judge even on an empty organization."""
    if not set(target.profiles) & WRITING_PROFILES:
        walked = Discovery(api, target).run()
    else:
        made = request.getfixturevalue("own_evidence")
        for line in made.missing:  # the contracts that needed it stay unexercised: say why
            warnings.warn(f"scrip-conformance: the run's own evidence lacks {line}", stacklevel=1)
        walked = Discovery(
            api, target, include_assets=made.asset_ids, include_participants=made.participants
        ).run()
    for line in walked.unreached():  # never a silent cap
        warnings.warn(f"scrip-conformance: the read-only walk did not read {line}", stacklevel=1)
    return walked


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


class FieldAudit:
    """RESPONSE-NO-UNKNOWN-FIELDS over every JSON answer of a documented status: one note per
    operation, status and set of fields (bounded, :class:`Findings`), and how many answers were
    looked at."""

    def __init__(self):
        self.found = Findings()
        self.answers = 0
        self._seen: set[str] = set()

    def observe(self, response):
        if response.operation_id and response.is_json:
            self.answers += 1
            found = check_no_unknown_fields(
                response.operation_id, response.status_code, response.body
            )
            new = [v for v in found if v.summary not in self._seen]
            self._seen.update(v.summary for v in new)
            self.found.add(new, response.curl)


@pytest.fixture(scope="session")
def field_audit(api):
    """Fields the spec does not list, over every response the client receives from now on."""
    audit = FieldAudit()
    api.observers.append(audit.observe)
    return audit


@pytest.fixture(scope="session", autouse=True)
def _audit_from_the_start(request):
    """Start the audits before the first contract test (only when contract tests run)."""
    if any(item.get_closest_marker("contract") for item in request.session.items):
        request.getfixturevalue("response_audit")
        request.getfixturevalue("field_audit")


@pytest.fixture(scope="session")
def error_probes(discovery, target, api):
    """Each invalid request with the answer it got, and the contracts that could not be probed."""
    probes, skipped = build_probes(discovery, target, api)
    reads = [(probe.path, probe.query) for probe in probes]
    return list(zip(probes, get_all(api, reads, target.concurrency), strict=True)), skipped


@pytest.fixture(scope="session")
def odd_answers(api, target):
    """Answers to strange but harmless GET requests (for ERROR-NO-5XX and the hygiene checks)."""
    return get_all(api, list(odd_inputs(target)), target.concurrency)
