"""Contract coverage: every MUST contract has a known-bad variant that declares it, or an entry
in selftest/uncovered.yaml saying why not; the file names only MUST contracts of the catalogue
that no variant declares."""

from __future__ import annotations

import pytest

from scrip_conformance import catalog
from scrip_conformance.selftest import coverage
from scrip_conformance.selftest.variants import ALL

DECLARED = {c for v in ALL for c in v.contracts}


def test_every_must_contract_has_a_variant_or_a_written_reason():
    contracts = catalog.default_catalog()
    assert coverage.problems(contracts, DECLARED, coverage.load_uncovered()) == []


def test_a_must_contract_without_variant_or_entry_is_a_problem():
    contracts = catalog.default_catalog()
    uncovered = coverage.load_uncovered()
    missing = next(iter(uncovered))
    del uncovered[missing]
    assert coverage.problems(contracts, DECLARED, uncovered) == [
        f"{missing}: MUST, no known-bad variant declares it and uncovered.yaml does not say why"
    ]


def test_an_entry_for_an_unknown_should_or_covered_contract_is_a_problem():
    contracts = catalog.default_catalog()
    should = next(c.id for c in contracts.values() if c.level == "SHOULD")
    covered = next(iter(sorted(DECLARED)))
    uncovered = coverage.load_uncovered() | {
        cid: coverage.Uncovered(cid, "gap", "x") for cid in ("NO-SUCH-ID", should, covered)
    }
    found = coverage.problems(contracts, DECLARED, uncovered)
    assert any(p.startswith("NO-SUCH-ID: listed") for p in found)
    assert any(p.startswith(f"{should}: listed") and "SHOULD" in p for p in found)
    assert any(p.startswith(f"{covered}: listed") and "declares it" in p for p in found)


@pytest.mark.parametrize(
    "text, message",
    [
        ("uncovered: [{id: A, kind: maybe, reason: x}]", "kind must be one of"),
        ("uncovered: [{id: A, kind: gap, reason: ''}]", "reason must not be empty"),
        ("uncovered: [{id: A, kind: gap}]", "exactly id, kind and reason"),
        ("uncovered: [{id: A, kind: gap, reason: x}, {id: A, kind: gap, reason: y}]", "twice"),
        ("nothing: here", "no 'uncovered' list"),
    ],
)
def test_a_malformed_uncovered_file_is_a_clear_error(tmp_path, text, message):
    path = tmp_path / "uncovered.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(coverage.UncoveredError, match=message):
        coverage.load_uncovered(path)
