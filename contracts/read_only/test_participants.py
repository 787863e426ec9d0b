"""Participants: balances at scale, equal to their lots, sorted, and the same on both endpoints.

The walk judges each participant as it reads it: its detail at once, its balances against the
sums of its lots once those are read, and its balances list then (``Discovery.findings``).
"""

from __future__ import annotations

import pytest

from scrip_conformance.pytest_plugin import not_run

from ._support import assert_contract, params_for

CONTRACTS = (
    "BALANCE-AT-SCALE",
    "BALANCE-EQUALS-LOT-SUMS",
    "BALANCE-ROWS-SORTED",
    "BALANCES-LIST-EQUALS-DETAIL",
    "PARTICIPANT-COUNTERS-ARE-STRINGS",
)


@pytest.mark.parametrize("contract_id", params_for(CONTRACTS))
def test_every_walked_participant_keeps_the_contract(contract_id, discovery):
    if not discovery.participant_count:
        not_run("the target holds no participants")
    if contract_id == "BALANCE-EQUALS-LOT-SUMS" and contract_id not in discovery.findings.ran:
        not_run("no participant's lots of a LOT asset could be walked to the end")
    assert_contract(discovery.findings, contract_id)
