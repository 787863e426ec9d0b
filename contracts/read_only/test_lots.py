"""Every lot the walk saw, on its own: scale, bounds, final states, clock, owner and order."""

from __future__ import annotations

import pytest

from scrip_conformance.invariants import lots
from scrip_conformance.pytest_plugin import not_run

from ._support import assert_contract, params_for

SINGLE_LOT_CONTRACTS = (
    "LOT-AMOUNT-AT-SCALE",
    "LOT-REMAINING-LE-AMOUNT",
    "LOT-FINAL-HOLDS-NOTHING",
    "LOT-BELONGS-TO-ASSET",
    "LOT-STATUS-MATCHES-CLOCK",
)


@pytest.fixture(scope="module")
def lot_findings(discovery, target):
    """Violations of the single-lot contracts over every walked lot (at the asset's scale, at
    the time of the page that showed it)."""
    walked = list(discovery.lot_lists())
    if not any(walk.items for _, _, walk in walked):
        return None
    found = []
    for _participant, asset_id, walk in walked:
        scale = discovery.scale_of(asset_id)
        for response in walk.responses:
            elapsed = response.finished_at - response.started_at
            for lot in response.body.get("data", []):
                found += [
                    v.at(response.curl)
                    for v in lots.check_lot(
                        lot,
                        scale=scale,
                        asset_id=asset_id,
                        now=response.started_at,
                        skew=target.skew + elapsed,
                    )
                ]
    return found


@pytest.mark.parametrize("contract_id", params_for(SINGLE_LOT_CONTRACTS))
def test_every_walked_lot_keeps_the_contract(contract_id, lot_findings):
    if lot_findings is None:
        not_run("the target holds no lots to walk")
    assert_contract(lot_findings, contract_id)


@pytest.mark.contract("LOT-ORDER-OLDEST-FIRST")
def test_lots_are_listed_oldest_first(discovery):
    walked = [(p, a, w) for p, a, w in discovery.lot_lists() if len(w.items) > 1]
    if not walked:
        not_run("no participant holds two lots of one asset")
    found = []
    for participant, asset_id, walk in walked:
        found += [
            v.at(walk.first_request)
            for v in lots.check_order(walk.items, f"participant {participant.id}, asset {asset_id}")
        ]
    assert_contract(found, "LOT-ORDER-OLDEST-FIRST")
