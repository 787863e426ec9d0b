"""Pagination envelopes and walks."""

from __future__ import annotations

import pytest

from scrip_conformance.invariants import pagination


def page(n, has_more, cursor):
    return {
        "data": [{"id": str(i)} for i in range(n)],
        "pagination": {"has_more": has_more, "next_cursor": cursor},
    }


@pytest.mark.parametrize(
    ("body", "limit", "expected"),
    [
        (page(2, True, "abc"), 2, []),
        (page(1, False, None), 50, []),
        (page(2, True, None), 2, ["PAGINATION-HAS-MORE-CURSOR"]),
        (page(2, True, ""), 2, ["PAGINATION-HAS-MORE-CURSOR"]),
        (page(1, False, "abc"), 2, ["PAGINATION-HAS-MORE-CURSOR"]),
        (page(3, True, "abc"), 2, ["PAGINATION-LIMIT-RESPECTED"]),
        ({"data": []}, 2, ["PAGINATION-HAS-MORE-CURSOR"]),
    ],
)
def test_envelope(body, limit, expected):
    assert [v.contract_id for v in pagination.check_envelope(body, limit)] == expected


def test_effective_limit_defaults_to_50_and_rejects_out_of_range():
    assert pagination.effective_limit(None) == 50
    assert pagination.effective_limit("7") == 7
    assert pagination.effective_limit("0") is None and pagination.effective_limit("x") is None


def test_duplicates_and_reordering_across_page_sizes_are_caught():
    assert pagination.check_no_duplicates(["a", "b", "c"]) == []
    assert (
        pagination.check_no_duplicates(["a", "b", "b"])[0].contract_id == "PAGINATION-NO-DUPLICATES"
    )
    assert pagination.check_same_sequence(["a", "b", "c"], ["a", "b"], 1, 200) == []
    broken = pagination.check_same_sequence(["a", "b", "c"], ["a", "c"], 1, 200)
    assert broken[0].contract_id == "PAGINATION-CONSISTENT-ACROSS-PAGE-SIZES"


def test_a_walk_that_ends_early_skipped_items():
    assert pagination.check_complete(["a", "b"], ["a", "b"], 1, 200, True, True) == []
    assert pagination.check_complete(["a", "b", "c"], ["a", "b"], 1, 200, False, True) == []
    assert pagination.check_complete(["a", "b", "c"], ["a", "b"], 1, 200, True, True)
    assert pagination.check_complete(["a"], ["a", "b"], 1, 200, False, True)
