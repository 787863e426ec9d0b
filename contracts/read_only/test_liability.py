"""The liability report: well-formed rows, bucket rows summing to totals, and equal to the sum
of every participant's balances."""

from __future__ import annotations

import pytest

from scrip_conformance.discovery import walk_all
from scrip_conformance.invariants import liability
from scrip_conformance.pytest_plugin import not_run, require_feature

from ._support import assert_contract, params_for, record_witnesses, unreached_note

PATH = "/v1/reports/liability"
# each contract and what it judges: over zero rows, none is exercised
CONTRACTS = {
    "LIABILITY-ROWS-WELL-FORMED": "liability rows",
    "LIABILITY-BUCKET-ROWS-SUM": "liability rows summed from bucket rows",
    "LIABILITY-EQUALS-BALANCE-SUMS": "liability rows compared with the balances",
}


@pytest.fixture(scope="module")
def liability_findings(discovery, target, api):
    require_feature(target, "liability-report")
    found, ran, counts = [], set(), {}
    reads = [(PATH, {"by_bucket": "false"}), (PATH, {"by_bucket": "true"})]
    plain, split = walk_all(api, reads, target.concurrency)
    counts["LIABILITY-ROWS-WELL-FORMED"] = {"liability rows": len(plain.items) + len(split.items)}
    found += [v.at(plain.first_request) for v in liability.check_page(plain.items, False)]
    found += [v.at(split.first_request) for v in liability.check_page(split.items, True)]
    if plain.complete and split.complete:
        found += [
            v.at(split.first_request)
            for v in liability.check_bucket_rows_sum(plain.items, split.items)
        ]
        counts["LIABILITY-BUCKET-ROWS-SUM"] = {
            "liability rows summed from bucket rows": len(plain.items)
        }
    # every asset when the walk is complete, else those whose holders were all read (the run's
    # own): their balances, summed as walked, are every participant's
    complete = discovery.complete_assets()
    if complete and split.complete:
        keep = complete - discovery.unstable_assets()
        sums = discovery.balance_sums
        steady_rows = [r for r in split.items if r.get("asset_id") in keep]
        steady_sums = {k: v for k, v in sums.items() if k[0] in keep}
        found += [
            v.at(split.first_request)
            for v in liability.check_equals_balance_sums(steady_rows, steady_sums)
        ]
        if steady_rows or steady_sums:  # not a vacuous pass when every asset had lots expiring
            ran.add("LIABILITY-EQUALS-BALANCE-SUMS")
        held = sum(1 for value in steady_sums.values() if value)
        counts["LIABILITY-EQUALS-BALANCE-SUMS"] = {
            "liability rows compared with the balances": max(len(steady_rows), held)
        }
    return found, ran, counts


@pytest.mark.parametrize("contract_id", params_for(CONTRACTS))
def test_liability_report_keeps_the_contract(contract_id, liability_findings, discovery, witness):
    found, ran, counts = liability_findings
    if contract_id == "LIABILITY-EQUALS-BALANCE-SUMS" and contract_id not in ran:
        not_run(
            "the walk limits left participants or lots unread, or lots expired meanwhile"
            + unreached_note(discovery)
        )
    record_witnesses(witness, counts, contract_id, CONTRACTS[contract_id])
    assert_contract(found, contract_id)
