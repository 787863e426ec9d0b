"""Every lot the walk saw, on its own: scale, bounds, final states, clock, owner and order.

The walk judges each page as it reads it (``Discovery.findings``, at the asset's scale and the
time of the page that showed the lot); these tests report what it found, per contract.
"""

from __future__ import annotations

import pytest

from scrip_conformance.pytest_plugin import not_run

from ._support import assert_contract, params_for

SINGLE_LOT_CONTRACTS = (
    "LOT-AMOUNT-AT-SCALE",
    "LOT-REMAINING-LE-AMOUNT",
    "LOT-FINAL-HOLDS-NOTHING",
    "LOT-BELONGS-TO-ASSET",
    "LOT-STATUS-MATCHES-CLOCK",
)


@pytest.mark.parametrize("contract_id", params_for(SINGLE_LOT_CONTRACTS))
def test_every_walked_lot_keeps_the_contract(contract_id, discovery):
    if not discovery.lots_walked:
        not_run("the target holds no lots to walk")
    assert_contract(discovery.findings, contract_id)


@pytest.mark.contract("LOT-ORDER-OLDEST-FIRST")
def test_lots_are_listed_oldest_first(discovery):
    if not discovery.lot_lists_ordered:
        not_run("no participant holds two lots of one asset")
    assert_contract(discovery.findings, "LOT-ORDER-OLDEST-FIRST")
