"""The ``witness`` fixture carries what a test checked to its report, summed per contract."""

from __future__ import annotations

import pytest

from scrip_conformance import witnesses

pytest_plugins = ["pytester"]


def test_witness_counts_reach_the_report_summed_by_contract_and_kind(pytester):
    pytester.makepyfile(
        """
        def test_checks(witness):
            witness("LOT-FINAL-HOLDS-NOTHING", "final-state lots", 2)
            witness("LOT-FINAL-HOLDS-NOTHING", "final-state lots", 3)
            witness("BALANCE-ROWS-SORTED", "balance lists", 1)
        """
    )
    result = pytester.inline_run("-p", "no:cacheprovider")
    reports = [r for r in result.getreports("pytest_runtest_logreport") if r.when == "teardown"]
    assert len(reports) == 1
    found = witnesses.decode_properties(reports[0].user_properties)
    assert found == {
        "LOT-FINAL-HOLDS-NOTHING": {"final-state lots": 5},
        "BALANCE-ROWS-SORTED": {"balance lists": 1},
    }


def test_a_negative_witness_count_is_refused():
    with pytest.raises(ValueError):
        witnesses.add({}, "X", "lots", -1)


def test_total_and_description_of_one_contracts_witnesses():
    counts: witnesses.Witnesses = {}
    witnesses.add(counts, "X", "lots", 12)
    witnesses.add(counts, "X", "pages", 3)
    assert witnesses.total(counts, "X") == 15
    assert witnesses.total(counts, "Y") == 0
    assert witnesses.describe(counts["X"]) == "12 lots, 3 pages"
