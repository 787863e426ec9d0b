"""Participants: balances at scale, equal to their lots, sorted, and the same on both endpoints."""

from __future__ import annotations

import pytest

from scrip_conformance.discovery import walk_list
from scrip_conformance.invariants import balances
from scrip_conformance.pytest_plugin import not_run

from ._support import assert_contract, params_for

CONTRACTS = (
    "BALANCE-AT-SCALE",
    "BALANCE-EQUALS-LOT-SUMS",
    "BALANCE-ROWS-SORTED",
    "BALANCES-LIST-EQUALS-DETAIL",
    "PARTICIPANT-COUNTERS-ARE-STRINGS",
)


@pytest.fixture(scope="module")
def participant_findings(discovery, api):
    """Violations of the participant contracts over every walked participant."""
    found = []
    for participant in discovery.participants:
        where = participant.detail_response.curl
        subject = f"participant {participant.id}"
        rows = participant.balance_rows()
        found += [v.at(where) for v in balances.check_counters(participant.detail)]
        found += [v.at(where) for v in balances.check_rows_sorted(rows, subject)]
        for row in rows:
            scale = discovery.scale_of(row.get("asset_id"))
            if scale is not None:
                found += [
                    v.at(where)
                    for v in balances.check_row_scale(
                        row, scale, f"{subject}, asset {row['asset_id']}"
                    )
                ]
        unstable = discovery.unstable_lot_ids()
        for asset_id, walk in participant.lots.items():
            if not walk.complete or {lot.get("id") for lot in walk.items} & unstable:
                continue
            row = next(r for r in rows if r.get("asset_id") == asset_id)
            found += [
                v.at(where)
                for v in balances.check_matches_lots(
                    row,
                    walk.items,
                    discovery.scale_of(asset_id) or 0,
                    f"{subject}, asset {asset_id}",
                )
            ]
        if not {lot.get("id") for w in participant.lots.values() for lot in w.items} & unstable:
            listed = walk_list(api, f"/v1/participants/{participant.id}/balances")
            if listed.complete:
                found += [
                    v.at(listed.first_request)
                    for v in balances.check_list_equals_detail(listed.items, rows, subject)
                ]
    return found


@pytest.mark.parametrize("contract_id", params_for(CONTRACTS))
def test_every_walked_participant_keeps_the_contract(contract_id, participant_findings, discovery):
    if not discovery.participants:
        not_run("the target holds no participants")
    if contract_id == "BALANCE-EQUALS-LOT-SUMS" and not any(
        w.complete for _, _, w in discovery.lot_lists()
    ):
        not_run("no participant's lots of a LOT asset could be walked to the end")
    assert_contract(participant_findings, contract_id)
