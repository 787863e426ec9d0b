"""Lot filters given together: the answer is exactly the lots of the unfiltered list that
match every filter (an intersection, not the first filter alone), in list order."""

from __future__ import annotations

import pytest

from scrip_conformance.discovery import walk_all
from scrip_conformance.invariants import list_filters
from scrip_conformance.pytest_plugin import not_run

from ._support import assert_contract, rng, sample

CONTRACT = "FILTER-LOT-COMBINED"


def combinations(lots: list[dict], generator) -> list[dict[str, str]]:
    """Pairs of filters built from the list's own values, so that each pair selects lots."""
    found: list[dict[str, str]] = []
    refs = sorted({(lot["status"], lot["reference_id"]) for lot in lots if lot.get("reference_id")})
    for status, reference in sample(generator, refs, 2):
        found.append({"status": status, "reference_id": reference})
        found.append({"status": "AVAILABLE", "reference_id": reference})
    expiries = sorted({lot["expires_at"] for lot in lots if lot.get("expires_at")})
    statuses = sorted({lot["status"] for lot in lots if lot.get("expires_at")})
    if expiries:
        last = expiries[-1]
        for status in sample(generator, statuses, 2):
            found.append({"status": status, "expires_before": last})
    if len(expiries) >= 3:
        found.append({"expires_after": expiries[0], "expires_before": expiries[-1]})
    return found


@pytest.mark.contract(CONTRACT)
def test_lot_filters_given_together_keep_the_lots_matching_all_of_them(discovery, api, witness):
    generator = rng(discovery.target, CONTRACT)
    tried = [  # (the unfiltered list, the filters, the filtered list's path and query)
        (kept, query, (f"/v1/participants/{kept.participant_id}/balances/lots",
                       {"asset_id": kept.asset_id, **query}))
        for kept in discovery.kept_lists
        for query in combinations(kept.lots, generator)
    ]  # fmt: skip
    walks = walk_all(api, [read for _, _, read in tried], discovery.target.concurrency)
    found = []
    for (kept, query, _), walk in zip(tried, walks, strict=True):
        subject = f"participant {kept.participant_id}, asset {kept.asset_id}"
        found += [
            v.at(walk.first_request)
            for v in list_filters.check_combined_lot_filters(
                CONTRACT,
                kept.lots,
                walk.items,
                query,
                f"{subject}, filters {query}",
                unstable_ids=discovery.unstable_lot_ids(),
            )
        ]
    judged = len(tried)
    witness(CONTRACT, "combined filter walks", judged)
    if not judged:
        not_run("no lot list walked whole holds reference ids or expiries to combine")
    assert_contract(found, CONTRACT)
