"""Response hygiene over every answer of the run: no 5xx, JSON everywhere, error bodies with a
code fitting the status, UTC timestamps, rate-limit headers."""

from __future__ import annotations

import pytest

from scrip_conformance.pytest_plugin import require_feature

from ._support import assert_contract, audit, params_for, record_witnesses

# each contract and what it judges in the run's answers (TIME-UTC-Z: a 2xx answer without a
# timestamp proves nothing)
CONTRACTS = {
    "ERROR-NO-5XX": "responses",
    "ERROR-BODY-SHAPE": "4xx answers",
    "ERROR-CODE-MATCHES-STATUS": "error answers",
    "RESPONSE-IS-JSON": "responses",
    "TIME-UTC-Z": "timestamps in 2xx answers",
    "RATELIMIT-HEADERS": "responses",
    "RESPONSE-MATCHES-SPEC": "responses checked against the spec",
}


@pytest.mark.parametrize("contract_id", params_for(CONTRACTS))
def test_every_response_is_well_formed(
    contract_id, response_audit, discovery, error_probes, odd_answers, target, witness
):
    if contract_id == "RATELIMIT-HEADERS":
        require_feature(target, "rate-limit-headers")
    found = response_audit.of(contract_id)  # every response of the run, bounded
    found += audit(response for _, response in error_probes[0])
    found += audit(odd_answers)
    unique = list({(v.contract_id, v.request, v.observed): v for v in found}.values())
    record_witnesses(witness, response_audit, contract_id, CONTRACTS[contract_id])
    assert_contract(unique, contract_id)
