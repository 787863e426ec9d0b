"""Every list, walked with several page sizes: same items, same order, none twice, none
skipped; has_more and next_cursor agree; no page exceeds its limit."""

from __future__ import annotations

import functools
from datetime import timedelta

import pytest

from scrip_conformance.discovery import walk_list
from scrip_conformance.invariants import pagination, timestamps
from scrip_conformance.invariants._common import items
from scrip_conformance.prefetch import replay_all
from scrip_conformance.pytest_plugin import not_run
from scrip_conformance.sampling import rotation
from scrip_conformance.violations import ContractFailure

from ._support import assert_contract, params_for, record_witnesses, rng, sample

# each contract and what it judges: one-item lists prove nothing about pages
CONTRACTS = {
    "PAGINATION-CONSISTENT-ACROSS-PAGE-SIZES": "lists of two or more items at several page sizes",
    "PAGINATION-NO-DUPLICATES": "walks of more than one page",
    "PAGINATION-HAS-MORE-CURSOR": "next_cursor followed or exactly full last page",
    "PAGINATION-LIMIT-RESPECTED": "non-empty pages",
}
REFERENCE_PAGE_SIZE = pagination.MAX_LIMIT


def identity(item) -> object:
    """What makes a list item distinct: its id, or its key fields for report rows."""
    if not isinstance(item, dict):
        return repr(item)
    if "id" in item:
        return item["id"]
    if "bucket_start" in item or "buckets" in item or "available" in item:
        return item.get("asset_id")
    return (item.get("asset_id"), item.get("program_id"), item.get("bucket"))


def lists_to_page(discovery, target) -> list[tuple[str, dict]]:
    """(path, query) of every kind of list the target offers, with real ids where needed."""
    generator = rng(target, "pagination-lists")
    now = discovery.started_at
    window = {
        "from": timestamps.format_z(now.replace(microsecond=0) - timedelta(days=400)),
        "to": timestamps.format_z(now.replace(microsecond=0) + timedelta(days=500)),
    }
    lists = [
        ("/v1/assets", {}),
        ("/v1/participants", {}),
        ("/v1/programs", {}),
        ("/v1/reports/expiration-schedule", dict(window, granularity="month")),
    ]
    if target.supports("liability-report"):
        lists.append(("/v1/reports/liability", {"by_bucket": "true"}))
    # a seeded sample of the lot lists of three lots or more, and of the participants with two
    # balance rows or more, that the walk kept by id
    for participant_id, asset_id in sample(generator, discovery.lists_sample.items, 3):
        lists.append((f"/v1/participants/{participant_id}/balances/lots", {"asset_id": asset_id}))
    for participant_id in sample(generator, discovery.multi_balance_sample.items, 2):
        lists.append((f"/v1/participants/{participant_id}/balances", {}))
    return lists[: max(target.limits["pagination_lists"], 4)]


@pytest.fixture(scope="module")
def pagination_findings(discovery, target, api):
    """Violations found walking each list with the reference page size and smaller ones (the
    lists read ``--concurrency`` at a time, each one's walks one after another, judged in
    order)."""
    generator = rng(target, "pagination-sizes")
    max_items = target.limits["pagination_items"]
    per_list = target.limits.get("pagination_sizes")  # small page sizes each list is walked at
    # each list is also read at the default limit and at a limit equal to its length (when
    # the reference size read it in one page); smaller budgets read ``whole_page_lists`` lists
    # so, the longest (a has_more of ``len(page) >= limit`` or a limit not read shows on any)
    whole_lists = target.limits.get("whole_page_lists")
    lists = lists_to_page(discovery, target)
    reads = [
        functools.partial(
            _page_one_list,
            path=path,
            query=query,
            sizes=rotation([1, 2, generator.randint(3, 9)], index, per_list),
            max_items=max_items,
            whole_pages=whole_lists is None,
        )
        for index, (path, query) in enumerate(lists)
    ]
    found: list = []
    counts: dict = {}
    # the first pages of the asset and participant lists at the reference size: the walk's
    reusing = discovery.reusing(api)
    paged = replay_all(reusing, reads, target.concurrency)
    for listed, listed_counts, _ in paged:
        found += listed
        _merge(counts, listed_counts)
    if whole_lists is not None:
        lengths = [length for _, _, length in paged]
        longest = sorted(range(len(lists)), key=lambda i: (lengths[i] is None, -(lengths[i] or 0)))
        for index in longest[:whole_lists]:
            path, query = lists[index]
            whole_counts: dict = {}
            found += _whole_page_reads(reusing, path, query, lengths[index], whole_counts)
            _merge(counts, whole_counts)
    return found, counts


def _merge(counts: dict, more: dict) -> None:
    for contract_id, kinds in more.items():
        _count(counts, contract_id, sum(kinds.values()))


@pytest.mark.parametrize("contract_id", params_for(CONTRACTS))
def test_every_list_pages_consistently(contract_id, pagination_findings, discovery, witness):
    if not discovery.assets.items and not discovery.participant_count:
        not_run("the target holds nothing to page through")
    found, counts = pagination_findings
    record_witnesses(witness, counts, contract_id, CONTRACTS[contract_id])
    assert_contract(found, contract_id)


def _page_one_list(
    api, path, query, sizes, max_items, whole_pages=True
) -> tuple[list, dict, int | None]:
    """The violations of one list walked at the reference page size and at ``sizes`` (and,
    with ``whole_pages``, read at its default limit and at its length), the witnesses, and its
    length when the reference size read it in one page (a list's walks end at a failure of its
    own: the next list is walked still)."""
    counts: dict = {}
    whole: list = []  # per reference-size page: its length when it was the last, else None
    try:
        found = _walk_one_list(api, path, query, sizes, max_items, counts, whole)
    except ContractFailure as failure:
        return failure.violations, counts, None
    one_page = whole[0] if len(whole) == 1 and whole[0] is not None else None
    length = one_page if one_page and one_page <= pagination.MAX_LIMIT else None
    if whole_pages:
        found += _whole_page_reads(api, path, query, length, counts)
    return found, counts, length


def _walk_one_list(api, path, query, sizes, max_items, counts, whole: list) -> list:
    """The violations of one list walked at the reference page size and at ``sizes``;
    ``counts`` gets the witnesses, ``whole`` each reference-size page's length when it was
    the last page, else None."""
    found = []
    walks = []
    for size in [REFERENCE_PAGE_SIZE, *sizes]:
        envelopes: list = []

        def audit(response, size=size, envelopes=envelopes):
            envelopes.extend(
                v.at(response.curl) for v in pagination.check_envelope(response.body, size)
            )
            page_items = items(response.body)
            if page_items:
                _count(counts, "PAGINATION-LIMIT-RESPECTED")
            if size == REFERENCE_PAGE_SIZE:
                whole.append(None if _has_more(response.body) else len(page_items))

        walk = walk_list(api, path, query, page_size=size, max_items=max_items, on_page=audit)
        walks.append((size, walk))
        found += envelopes
        if walk.pages > 1:
            _count(counts, "PAGINATION-NO-DUPLICATES")
            _count(counts, "PAGINATION-HAS-MORE-CURSOR", walk.pages - 1)
    reference = walks[0][1]
    reference_ids = [identity(i) for i in reference.items]
    if len(reference_ids) > 1:
        _count(counts, "PAGINATION-CONSISTENT-ACROSS-PAGE-SIZES")
    for size, walk in walks:
        ids = [identity(i) for i in walk.items]
        found += [v.at(walk.first_request) for v in pagination.check_no_duplicates(ids, path)]
        found += [
            v.at(walk.first_request)
            for v in pagination.check_same_sequence(
                reference_ids, ids, size, REFERENCE_PAGE_SIZE, path
            )
            + pagination.check_complete(
                reference_ids,
                ids,
                size,
                REFERENCE_PAGE_SIZE,
                walk.complete,
                reference.complete,
                path,
            )
        ]
    return found


def _whole_page_reads(api, path, query, length: int | None, counts) -> list:
    """The list asked for with ``limit`` equal to its ``length`` (when it fits one page: a
    last page exactly full is where a ``len(page) >= limit`` has_more shows, has_more true
    with nothing to point at), then at the default limit."""
    found = []
    if length is not None and length >= 1:
        answer = api.get(path, {**query, "limit": length})
        if answer.status_code == 200:
            _count(counts, "PAGINATION-HAS-MORE-CURSOR")
            found += [v.at(answer.curl) for v in pagination.check_envelope(answer.body, length)]
    default = api.get(path, query)
    if default.status_code == 200:
        found += [
            v.at(default.curl)
            for v in pagination.check_envelope(default.body, pagination.DEFAULT_LIMIT)
        ]
    return found


def _has_more(body) -> bool:
    page = body.get("pagination") if isinstance(body, dict) else None
    return isinstance(page, dict) and page.get("has_more") is True


def _count(counts: dict, contract_id: str, n: int = 1) -> None:
    kinds = counts.setdefault(contract_id, {})
    what = CONTRACTS[contract_id]
    kinds[what] = kinds.get(what, 0) + n
