"""The list filter and sort checks: exact filtered walks, case-insensitive ASCII search, sort
orders judged only where every collation agrees."""

from __future__ import annotations

from scrip_conformance.invariants import list_filters as lf

C = "FILTER-ASSETS-EXACT"


def item(i: int, status: str = "ACTIVE", name: str = "Points", **extra) -> dict:
    return {"id": f"id-{i:02d}", "status": status, "name": name, "symbol": f"P{i}", **extra}


BASE = [item(1), item(2, "ARCHIVED"), item(3), item(4, "ARCHIVED"), item(5)]
ACTIVE = lf.predicate("assets", "status", "ACTIVE")


def check(filtered, base=BASE, base_complete=True, filtered_complete=True, matches=ACTIVE):
    return lf.check_filtered(C, base, base_complete, filtered, filtered_complete, matches, "s")


def test_the_exact_matching_items_in_list_order_pass():
    assert check([BASE[0], BASE[2], BASE[4]]) == []


def test_an_item_that_does_not_match_fails():
    assert "does not match" in check([BASE[0], BASE[1], BASE[2], BASE[4]])[0].summary


def test_a_missing_matching_item_fails():
    assert "leaves out" in check([BASE[0], BASE[4]])[0].summary


def test_matching_items_out_of_list_order_fail():
    assert "order" in check([BASE[2], BASE[0], BASE[4]])[0].summary


def test_an_item_absent_from_a_complete_unfiltered_list_fails():
    assert "does not hold" in check([BASE[0], BASE[2], BASE[4], item(9)])[0].summary


def test_over_the_first_pages_of_a_long_list_only_what_was_compared_is_judged():
    prefix = BASE[:3]  # the unfiltered walk stopped after three items
    assert check([BASE[0], BASE[2], BASE[4]], base=prefix, base_complete=False) == []
    # the filtered walk also stopped before passing the prefix: nothing can be missing yet
    assert check([BASE[0]], base=prefix, base_complete=False, filtered_complete=False) == []
    # it passed the prefix (BASE[4] is after it) without BASE[2]: missing
    found = check([BASE[0], BASE[4]], base=prefix, base_complete=False, filtered_complete=False)
    assert "leaves out" in found[0].summary


def test_search_is_a_case_insensitive_substring_and_unsure_on_non_ascii_text():
    assert lf.search_matches({"name": "Gold Points"}, "D pO", ("name",)) is True
    assert lf.search_matches({"name": "Gold Points"}, "silver", ("name",)) is False
    assert lf.search_matches({"name": "Straße"}, "STRASSE", ("name",)) is None
    matches = lf.predicate("assets", "search", "oin")
    unsure = item(6, name="Pünkte", symbol="PK")
    # an item the spec lets either way may be in or out
    assert check([BASE[0], unsure], base=[BASE[0], unsure], matches=matches) == []
    assert check([BASE[0]], base=[BASE[0], unsure], matches=matches) == []


def test_combined_filters_keep_the_items_matching_all_of_them():
    both = lf.all_of([ACTIVE, lf.predicate("assets", "search", "p3")])
    assert check([BASE[2]], matches=both) == []
    assert check([BASE[0], BASE[2]], matches=both) != []


def test_created_at_bounds_are_inclusive():
    rows = [item(i, created_at=f"2026-01-0{i}T00:00:00Z") for i in (1, 2, 3)]
    between = lf.all_of(
        [lf.predicate("participants", "from", "2026-01-02T00:00:00Z"),
         lf.predicate("participants", "to", "2026-01-03T00:00:00Z")]
    )  # fmt: skip
    assert check(rows[1:], base=rows, matches=between) == []
    assert check(rows[1:2], base=rows, matches=between) != []


def test_a_sort_is_judged_where_every_collation_agrees():
    rows = [item(1, name="alpha"), item(2, name="beta"), item(3, name="gamma")]
    key = lambda row: row["name"]  # noqa: E731
    assert lf.check_sorted("LIST-SORT-ORDER", rows, key, False, "s") == []
    assert lf.check_sorted("LIST-SORT-ORDER", rows, key, True, "s") != []
    assert lf.check_sorted("LIST-SORT-ORDER", rows[::-1], key, True, "s") == []
    # punctuation and case differences are left to the server's collation
    assert lf.comparable("a-b", "ab") is None and lf.comparable("Beta", "alpha") is None
    assert lf.comparable("item-10", "item-9") == -1


def test_equal_sort_keys_are_in_id_order():
    rows = [item(2, status="ACTIVE"), item(1, status="ACTIVE")]
    key = lambda row: row["status"]  # noqa: E731
    assert lf.check_sorted("LIST-SORT-ORDER", rows, key, False, "s") != []
    assert lf.check_sorted("LIST-SORT-ORDER", rows, key, True, "s") == []
    assert lf.check_sorted("LIST-SORT-ORDER", rows[::-1], key, False, "s") == []
