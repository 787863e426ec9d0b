"""Invalid requests get the 400 or 404 the spec names, with the right error code."""

from __future__ import annotations

import pytest

from scrip_conformance.invariants import errors
from scrip_conformance.pytest_plugin import not_run

from ._support import assert_contract

CONTRACTS = (
    "ERROR-SIMPLE-ASSET-400",
    "ERROR-BAD-LIMIT-400",
    "ERROR-BAD-CURSOR-400",
    "ERROR-BAD-TIMESTAMP-400",
    "ERROR-SCHEDULE-WINDOW-400",
    "ERROR-SCHEDULE-GRANULARITY-400",
    "ERROR-MALFORMED-ID-400",
    "ERROR-UNKNOWN-ID-404",
)


@pytest.mark.parametrize(
    "contract_id", [pytest.param(c, id=c, marks=pytest.mark.contract(c)) for c in CONTRACTS]
)
def test_invalid_request_gets_the_specified_error(contract_id, error_probes, witness):
    answered, skipped = error_probes
    if contract_id in skipped:
        not_run(skipped[contract_id])
    found = []
    witness(contract_id, "invalid requests answered", 0)
    for probe, response in answered:
        if probe.contract_id == contract_id:
            witness(contract_id, "invalid requests answered")
            found += [
                v.at(response.curl)
                for v in errors.check_expected_error(
                    response.status_code,
                    response.body,
                    probe.status,
                    probe.codes,
                    contract_id,
                    probe.summary,
                )
            ]
    assert_contract(found, contract_id)
