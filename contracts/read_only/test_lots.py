"""Every lot the walk saw, on its own: scale, bounds, final states, clock, owner and order.

The walk judges each page as it reads it (``Discovery.findings``, at the asset's scale and the
time of the page that showed the lot); these tests report what it found, per contract.
"""

from __future__ import annotations

import pytest

from scrip_conformance.pytest_plugin import not_run

from ._support import assert_contract, params_for, record_witnesses

# what each contract needs to have judged: a contract the walk saw none of is not exercised
SINGLE_LOT_CONTRACTS = {
    "LOT-AMOUNT-AT-SCALE": "lots at a known scale",
    "LOT-REMAINING-LE-AMOUNT": "lots",
    "LOT-FINAL-HOLDS-NOTHING": "final-state lots",
    "LOT-BELONGS-TO-ASSET": "lots",
    "LOT-STATUS-MATCHES-CLOCK": "dated lots",
}


@pytest.mark.parametrize("contract_id", params_for(SINGLE_LOT_CONTRACTS))
def test_every_walked_lot_keeps_the_contract(contract_id, discovery, witness):
    if not discovery.lots_walked:
        not_run("the target holds no lots to walk")
    record_witnesses(witness, discovery.findings, contract_id, SINGLE_LOT_CONTRACTS[contract_id])
    assert_contract(discovery.findings, contract_id)


@pytest.mark.contract("LOT-ORDER-OLDEST-FIRST")
def test_lots_are_listed_oldest_first(discovery, witness):
    if not discovery.lot_lists_ordered:
        not_run("no participant holds two lots of one asset")
    record_witnesses(
        witness, discovery.findings, "LOT-ORDER-OLDEST-FIRST", "lot lists of two or more lots"
    )
    assert_contract(discovery.findings, "LOT-ORDER-OLDEST-FIRST")
