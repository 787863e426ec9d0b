"""Participants: balances at scale, equal to their lots, sorted, and the same on both endpoints.

The walk judges each participant as it reads it: its detail at once, its balances against the
sums of its lots once those are read, and its balances list then (``Discovery.findings``).
"""

from __future__ import annotations

import pytest

from scrip_conformance.pytest_plugin import not_run

from ._support import assert_contract, params_for, record_witnesses

# each contract and what it must have judged (a participant with one balance row proves
# nothing about their order; empty counters prove nothing about their type)
CONTRACTS = {
    "BALANCE-AT-SCALE": "balance rows",
    "BALANCE-EQUALS-LOT-SUMS": "balance rows summed from lots",
    "BALANCE-ROWS-SORTED": "participants with two or more balance rows",
    "BALANCES-LIST-EQUALS-DETAIL": "balance rows compared",
    "PARTICIPANT-COUNTERS-ARE-STRINGS": "counter values",
}


@pytest.mark.parametrize("contract_id", params_for(CONTRACTS))
def test_every_walked_participant_keeps_the_contract(contract_id, discovery, witness):
    if not discovery.participant_count:
        not_run("the target holds no participants")
    if contract_id == "BALANCE-EQUALS-LOT-SUMS" and contract_id not in discovery.findings.ran:
        not_run("no participant's lots of a LOT asset could be walked to the end")
    record_witnesses(witness, discovery.findings, contract_id, CONTRACTS[contract_id])
    assert_contract(discovery.findings, contract_id)
