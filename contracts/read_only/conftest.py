"""Fixtures shared by the read-only contract modules."""

from __future__ import annotations

import pytest

from scrip_conformance.discovery import Findings
from scrip_conformance.invariants import check_response
from scrip_conformance.invariants.schema import check_matches_spec, check_no_unknown_fields

from ._probes import build_probes, odd_inputs


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

    api.observers.append(observe)
    return found


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
    return [(probe, api.get(probe.path, probe.query)) for probe in probes], skipped


@pytest.fixture(scope="session")
def odd_answers(api, target):
    """Answers to strange but harmless GET requests (for ERROR-NO-5XX and the hygiene checks)."""
    return [api.get(path, query) for path, query in odd_inputs(target)]
