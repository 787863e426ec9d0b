"""Lot filters return exactly the matching lots of the unfiltered list, edges included.

The unfiltered lists are the few the walk kept whole (the most varied ones, bounded in number
by the budget and in size), so the requests sent are bounded whatever the data set.
"""

from __future__ import annotations

import dataclasses

import pytest

from scrip_conformance.discovery import walk_all
from scrip_conformance.invariants import filters, timestamps
from scrip_conformance.pytest_plugin import not_run

from ._support import assert_contract, params_for, rng, sample

LOT_STATUSES = ("DEFERRED", "AVAILABLE", "HELD", "CONSUMED", "EXPIRED")
NO_SUCH_REFERENCE = "scrip-conformance-no-such-reference"
FAR_BOUNDS = ("1970-01-01T00:00:00Z", "2999-12-31T23:59:59Z")


def filter_values(name: str, lots: list[dict], generator) -> list[str]:
    """The values tried for one filter: every status; the lots' own reference ids and one that
    matches nothing; bounds sitting exactly on lots' expiries, plus two far bounds."""
    if name == "status":
        return list(LOT_STATUSES)
    if name == "reference_id":
        refs = sorted({lot["reference_id"] for lot in lots if lot.get("reference_id")})
        return sample(generator, refs, 3) + [NO_SUCH_REFERENCE]
    expiries = sorted({lot["expires_at"] for lot in lots if lot.get("expires_at")})
    return sample(generator, expiries, 3) + list(FAR_BOUNDS)


def matches_some_lot(name: str, value: str, lots: list[dict]) -> bool:
    """Whether at least one lot of the unfiltered list should pass the filter (a filter that
    should return nothing only shows it excludes, not that it selects)."""
    if name in ("status", "reference_id"):
        return any(lot.get(name) == value for lot in lots)
    bound = timestamps.parse(value)
    for lot in lots:
        expires = timestamps.parse(lot.get("expires_at"))
        if bound is None or expires is None:
            continue
        if (name == "expires_before" and expires < bound) or (
            name == "expires_after" and expires > bound
        ):
            return True
    return False


@pytest.mark.parametrize("contract_id", params_for(filters.FILTER_CONTRACTS.values()))
def test_lot_filter_returns_exactly_the_matching_lots(contract_id, discovery, api, witness):
    name = next(k for k, v in filters.FILTER_CONTRACTS.items() if v == contract_id)
    chosen = discovery.kept_lists
    if not chosen:
        not_run("no participant's lots could be walked to the end")
    generator = rng(discovery.target, contract_id)
    tried = [  # (the unfiltered list, the filter's value, the filtered list's path and query)
        (kept, value, (f"/v1/participants/{kept.participant_id}/balances/lots",
                       {"asset_id": kept.asset_id, name: value}))
        for kept in chosen
        for value in filter_values(name, kept.lots, generator)
    ]  # fmt: skip
    walks = walk_all(api, [read for _, _, read in tried], discovery.target.concurrency)
    found = []
    witness(contract_id, "filtered lists holding matching lots", 0)
    for (kept, value, _), filtered in zip(tried, walks, strict=True):
        if matches_some_lot(name, value, kept.lots):
            witness(contract_id, "filtered lists holding matching lots")
        unstable = discovery.unstable_lot_ids()
        subject = f"participant {kept.participant_id}, asset {kept.asset_id}"
        if timestamps.parse(value) is not None:
            subject += f", bound {value}"
        found += [
            dataclasses.replace(v, subject=subject, request=filtered.first_request)
            for v in filters.check_filter_result(
                kept.lots, filtered.items, name, value, unstable_ids=unstable
            )
        ]
    assert_contract(found, contract_id)
