"""The expiration schedule: exact sums, calendar buckets, recomputation from the lots, the
metamorphic relations between windows and granularities, the liability report, the filters."""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from scrip_conformance.discovery import walk_list
from scrip_conformance.invariants import schedule, timestamps
from scrip_conformance.invariants._common import items, violation
from scrip_conformance.invariants.liability import check_schedule_agrees
from scrip_conformance.prefetch import replay_all
from scrip_conformance.pytest_plugin import not_run, require_feature
from scrip_conformance.sampling import rotation

from ._support import assert_contract, params_for, record_witnesses, rng, sample, unreached_note

PATH = "/v1/reports/expiration-schedule"
ALL_PROGRAMS = {"include_archived": "true"}
GRANULARITIES = ("day", "week", "month")
# each contract and what it judges (a window without a bucket proves nothing about buckets)
CONTRACTS = {
    "SCHEDULE-SUMS-EXACTLY": "schedule rows",
    "SCHEDULE-AMOUNTS-AT-SCALE": "schedule rows at a known scale",
    "SCHEDULE-BUCKETS-CALENDAR-ALIGNED": "buckets",
    "SCHEDULE-BUCKETS-SORTED-DISJOINT": "rows with two or more buckets",
    "SCHEDULE-BUCKETS-WITHIN-WINDOW": "buckets",
    "SCHEDULE-LOT-COUNT-CONSISTENT": "buckets",
    "SCHEDULE-ROWS-PER-LOT-ASSET": "schedule answers compared with the LOT assets",
    "SCHEDULE-TOTAL-INVARIANT": "assets compared across queries",
    "SCHEDULE-GRANULARITIES-AGREE": "week and month rows compared with day buckets",
    "SCHEDULE-WINDOW-FIGURES-AGREE": "week and month rows compared with day rows",
    "SCHEDULE-WINDOW-EDGE-INCLUSIVE": "window edges on a lot's expiry",
    "SCHEDULE-RECOMPUTED-FROM-LOTS": "rows recomputed from the lots",
    "SCHEDULE-AGREES-WITH-LIABILITY": "assets compared with the liability report",
    "SCHEDULE-FILTERS-RESTRICT": "filtered rows compared",
}
# contracts judged by comparing answers taken at different moments, for steady assets only
# (SCHEDULE-WINDOW-EDGE-INCLUSIVE needs no such care: its edge lies beyond the run; with every
# lot walked, SCHEDULE-AGREES-WITH-LIABILITY allows exactly for the lots expiring meanwhile)
CROSS_REQUEST = {"SCHEDULE-AGREES-WITH-LIABILITY", "SCHEDULE-FILTERS-RESTRICT"}
AGREES = "SCHEDULE-AGREES-WITH-LIABILITY"
# contracts that need something the target may not hold; the reason they are then not run
NEEDS = {
    "SCHEDULE-WINDOW-EDGE-INCLUSIVE": "no outstanding lot with a future expiry was walked",
    "SCHEDULE-RECOMPUTED-FROM-LOTS": "the walk limits left lots unread (of every asset), or "
    f"more than {schedule.MAX_UNSTABLE_LOTS} lots of every asset expired meanwhile",
    "SCHEDULE-AGREES-WITH-LIABILITY": "no liability report, or lots expired meanwhile",
}


def fetch(api, query) -> tuple[dict[str, dict], str]:
    walk = walk_list(api, PATH, query)
    rows = {r.get("asset_id"): r for r in walk.items if isinstance(r, dict)}
    return rows, walk.first_request


def fetching(query):
    """:func:`fetch` of ``query``, as a read for :func:`replay_all`."""
    return functools.partial(fetch, query=query)


def fetch_all(api, queries, concurrency) -> list[tuple[dict[str, dict], str]]:
    """:func:`fetch` of each query, ``concurrency`` at a time, in the order given."""
    return replay_all(api, [fetching(query) for query in queries], concurrency)


class Findings:
    def __init__(self):
        self.violations = []
        self.ran: set[str] = set()
        self.witnessed: dict[str, dict[str, int]] = {}

    def add(self, violations, request):
        self.violations += [v.at(request) if v.request is None else v for v in violations]

    def witness(self, contract_id, count=1):
        kinds = self.witnessed.setdefault(contract_id, {})
        what = CONTRACTS[contract_id]
        kinds[what] = kinds.get(what, 0) + count


def _witness_row(found, row, scale) -> None:
    """What ``schedule.check_row`` judged on one row."""
    buckets = row.get("buckets") if isinstance(row.get("buckets"), list) else []
    found.witness("SCHEDULE-SUMS-EXACTLY")
    if scale is not None:
        found.witness("SCHEDULE-AMOUNTS-AT-SCALE")
    for contract_id in (
        "SCHEDULE-BUCKETS-CALENDAR-ALIGNED",
        "SCHEDULE-BUCKETS-WITHIN-WINDOW",
        "SCHEDULE-LOT-COUNT-CONSISTENT",
    ):
        found.witness(contract_id, len(buckets))
    if len(buckets) > 1:
        found.witness("SCHEDULE-BUCKETS-SORTED-DISJOINT")


@pytest.fixture(scope="module")
def schedule_findings(discovery, target, api):
    lot_assets = discovery.lot_assets()
    if not lot_assets:
        return None
    found = Findings()
    keys = [(*window, g) for window in discovery.schedule_windows for g in GRANULARITIES]
    queries = [{"from": start, "to": end, "granularity": g} for start, end, g in keys]
    edges = _edge_cases(discovery, target, set(lot_assets))
    answers = fetch_all(api, queries + [edge.query for edge in edges], target.concurrency)
    results = _windows(found, discovery, lot_assets, keys, answers[: len(keys)])
    steady = set(lot_assets) - discovery.unstable_assets()
    _edges(found, edges, answers[len(keys) :])
    # read after every window: the liability report (compared with the first window), the
    # first window filtered by assets, and the programs to filter it by next, in that order
    generator = rng(target, "schedule-filters")
    (start, end, granularity), (first_rows, _) = next(iter(results.items()))
    first = {"from": start, "to": end, "granularity": granularity}
    per_filter = target.limits.get("schedule_filters", 3)  # assets and programs filtered by
    by_asset = sample(generator, sorted(a for a in first_rows if a in steady), per_filter)
    liability = target.supports("liability-report")
    reads = [_read_liability] if liability else []
    reads += [fetching(dict(first, asset_id=asset_id)) for asset_id in by_asset]
    reads.append(functools.partial(walk_list, path="/v1/programs", params=ALL_PROGRAMS))
    # (the programs as the list filters read them, when they did)
    *answers, programs = replay_all(discovery.reusing(api), reads, target.concurrency)
    if liability:
        _liability(found, results, discovery, steady, answers.pop(0))
    _asset_filters(found, first_rows, by_asset, answers)
    chosen = sample(generator, [p for p in programs.items if isinstance(p, dict)], per_filter)
    queries = [dict(first, program_id=program.get("id")) for program in chosen]
    answers = fetch_all(api, queries, target.concurrency)
    _program_filters(found, first_rows, discovery, steady, queries, answers)
    # the first query again, after every other one: an asset whose outstanding total moved in
    # between (a lot the walk did not see expired) is left out of the cross-request relations
    # (with every lot walked the clock is known: the same query must then give the same total)
    first_key, (first_rows, _) = next(iter(results.items()))
    again, request = fetch(api, dict(zip(("from", "to", "granularity"), first_key, strict=True)))
    if discovery.complete:
        for a, row in again.items():
            if a in steady and a in first_rows:
                found.add(
                    schedule.check_totals_invariant(
                        [("the first query", first_rows[a]), ("the same query again", row)]
                    ),
                    request,
                )
    else:
        steady = {
            a for a in steady
            if a in again and a in first_rows
            and again[a].get("total_outstanding") == first_rows[a].get("total_outstanding")
        }  # fmt: skip
    subjects = {f"asset {a}" for a in steady}
    cross = CROSS_REQUEST if not discovery.complete else CROSS_REQUEST - {AGREES}
    found.violations = [
        v for v in found.violations
        if v.contract_id not in cross
        or not v.subject.startswith("asset ")
        or v.subject.split(",")[0] in subjects
    ]  # fmt: skip
    _relations(found, results, steady)
    _recompute(found, results, discovery, discovery.unstable_expiries())
    return found


def _windows(found, discovery, lot_assets, keys, answers) -> dict:
    """Each window's rows judged on their own; the rows and request per (from, to,
    granularity)."""
    results: dict[tuple[str, str, str], tuple[dict, str]] = {}
    for key, (rows, request) in zip(keys, answers, strict=True):
        results[key] = (rows, request)
        start, end, granularity = key
        window_from, window_to = timestamps.parse(start), timestamps.parse(end)
        for asset_id, row in rows.items():
            found.add(
                schedule.check_row(
                    row,
                    window_from=window_from,
                    window_to=window_to,
                    granularity=granularity,
                    asset_scale=discovery.scale_of(asset_id),
                ),
                request,
            )
            _witness_row(found, row, discovery.scale_of(asset_id))
        if discovery.assets.complete:
            found.witness("SCHEDULE-ROWS-PER-LOT-ASSET")
        if discovery.assets.complete and sorted(rows) != sorted(lot_assets):
            found.add(
                [
                    violation(
                        "SCHEDULE-ROWS-PER-LOT-ASSET",
                        "schedule rows are not the LOT assets",
                        f"one row for each LOT asset: {sorted(lot_assets)}",
                        f"rows for {sorted(map(str, rows))}",
                    )
                ],
                request,
            )
    return results


def _relations(found, results, steady):
    per_asset: dict[str, list] = {}
    for (start, end, granularity), (rows, request) in results.items():
        for asset_id, row in rows.items():
            per_asset.setdefault(asset_id, []).append(
                (f"from={start} to={end} {granularity}", row, request)
            )
    for asset_id, labelled in per_asset.items():
        if asset_id in steady:
            found.add(
                schedule.check_totals_invariant([(label, row) for label, row, _ in labelled]),
                labelled[-1][2],
            )
            if len(labelled) > 1:
                found.witness("SCHEDULE-TOTAL-INVARIANT")
    for (start, end, granularity), (rows, request) in results.items():
        if granularity == "day":
            continue
        day_rows, _ = results[(start, end, "day")]
        for asset_id, row in rows.items():
            if asset_id in steady and asset_id in day_rows:
                found.add(
                    schedule.check_granularities_agree(day_rows[asset_id], row, granularity),
                    request,
                )
                found.witness("SCHEDULE-WINDOW-FIGURES-AGREE")
                if day_rows[asset_id].get("buckets"):
                    found.witness("SCHEDULE-GRANULARITIES-AGREE")


def _recompute(found, results, discovery, unstable):
    """Every asset whose lots were all read (all of them when the walk is complete, else the
    run's own), with its lots expiring during the run allowed for exactly (up to a bound)."""
    complete = discovery.complete_assets()
    for (start, end, granularity), (rows, request) in results.items():
        window_from, window_to = timestamps.parse(start), timestamps.parse(end)
        for asset_id, row in rows.items():
            if asset_id not in complete:
                continue
            fold = discovery.expiry_folds.get(asset_id)
            shaky = unstable.get(asset_id, [])
            if fold is None or len(shaky) > schedule.MAX_UNSTABLE_LOTS:
                continue
            expected = fold.expected(window_from, window_to, granularity)
            found.add(
                schedule.compare_allowing_expiry(
                    row,
                    expected,
                    shaky,
                    window_from,
                    window_to,
                    granularity,
                    discovery.scale_of(asset_id) or 0,
                ),
                request,
            )
            found.ran.add("SCHEDULE-RECOMPUTED-FROM-LOTS")
            found.witness("SCHEDULE-RECOMPUTED-FROM-LOTS")


@dataclass
class EdgeCase:
    """A window with an edge on a walked lot's expiry, and what the lot's asset must show."""

    asset_id: str
    edge: datetime
    known: list  # a lower bound of the lots at the edge
    granularity: str
    query: dict


def _edge_cases(discovery, target, assets) -> list[EdgeCase]:
    horizon = datetime.now(discovery.started_at.tzinfo) + target.skew + timedelta(minutes=1)
    candidates = [
        (asset_id, lot)
        for asset_id in sorted(assets)
        for lot in discovery.lot_samples[asset_id].items
        if (timestamps.parse(lot.get("expires_at")) or horizon) > horizon
    ]
    generator = rng(target, "schedule-edges")
    per_edge = target.limits.get("edge_windows")  # of the three windows, each edge's in turn
    cases = []
    edges = target.limits.get("edge_cases", 3)  # lots whose expiry is a window's edge
    for place, (asset_id, lot) in enumerate(sample(generator, candidates, edges)):
        edge_text = lot["expires_at"]
        edge = timestamps.parse(edge_text)
        granularity = generator.choice(GRANULARITIES)
        known = discovery.lot_samples[asset_id].items
        windows = (
            (edge_text, edge_text),
            (timestamps.format_z(edge - timedelta(days=1)), edge_text),
            (edge_text, timestamps.format_z(edge + timedelta(days=1))),
        )
        for window in rotation(windows, place, per_edge):
            query = {
                "from": window[0],
                "to": window[1],
                "granularity": granularity,
                "asset_id": asset_id,
            }
            cases.append(EdgeCase(asset_id, edge, known, granularity, query))
    return cases


def _edges(found, cases: list[EdgeCase], answers) -> None:
    for case, (rows, request) in zip(cases, answers, strict=True):
        if case.asset_id in rows:
            found.add(
                schedule.check_edge_inclusive(
                    rows[case.asset_id], case.edge, case.known, case.granularity
                ),
                request,
            )
            found.witness("SCHEDULE-WINDOW-EDGE-INCLUSIVE")
        found.ran.add("SCHEDULE-WINDOW-EDGE-INCLUSIVE")


def _read_liability(api) -> tuple[Any, dict[str, set[int]]]:
    """The liability report by bucket, and the pages holding each asset's rows."""
    pages: dict[str, set[int]] = defaultdict(set)  # asset -> the pages holding its rows
    read = [0]

    def on_page(response):
        read[0] += 1
        for item in items(response.body):
            if isinstance(item, dict):
                pages[item.get("asset_id")].add(read[0])

    walk = walk_list(api, "/v1/reports/liability", {"by_bucket": "true"}, on_page=on_page)
    return walk, pages


def _liability(found, results, discovery, steady, answer):
    """The first schedule row of each asset against the liability report read after it; with
    every lot walked, the lots expiring in between (or before) are allowed for exactly, when
    the asset's liability rows all come from one page (one moment of the server)."""
    walk, pages = answer
    unstable = discovery.unstable_expiries() if discovery.complete else {}
    rows, _ = next(iter(results.values()))
    for asset_id, row in rows.items():
        shaky = unstable.get(asset_id, [])
        if discovery.complete:
            if shaky and (len(shaky) > schedule.MAX_UNSTABLE_LOTS or len(pages[asset_id]) > 1):
                continue
        elif asset_id not in steady:
            continue
        overdrawn = not discovery.complete or asset_id in discovery.overdrawn_assets
        found.add(
            check_schedule_agrees(
                row,
                walk.items,
                overdraft_possible=overdrawn,
                expired_sums=schedule.expiry_prefix_sums(shaky),
            ),
            walk.first_request,
        )
        found.ran.add(AGREES)
        found.witness(AGREES)


def _asset_filters(found, first_rows, chosen, answers) -> None:
    """asset_id keeps exactly that asset's row of the first window (``answers``: the first
    window filtered by each asset ``chosen``)."""
    for asset_id, (rows, request) in zip(chosen, answers, strict=True):
        if set(rows) != {asset_id}:
            found.add(
                [
                    violation(
                        "SCHEDULE-FILTERS-RESTRICT",
                        "asset_id does not keep exactly that asset",
                        f"one row, for asset {asset_id}",
                        f"rows for {sorted(map(str, rows))}",
                        f"filter asset_id={asset_id}",
                    )
                ],
                request,
            )
        else:
            found.add(
                schedule.check_restricted(
                    first_rows[asset_id], rows[asset_id], f"asset_id={asset_id}", equal=True
                ),
                request,
            )
            found.witness("SCHEDULE-FILTERS-RESTRICT")


def _program_filters(found, first_rows, discovery, steady, queries, answers) -> None:
    """program_id keeps only the rows of assets linked to the program, each at most the
    first window's (equal when the asset is linked to that program alone)."""
    assets = discovery.asset_by_id()
    for query, (rows, request) in zip(queries, answers, strict=True):
        program_id = query["program_id"]
        for asset_id, row in rows.items():
            linked = assets.get(asset_id, {}).get("program_ids")
            if isinstance(linked, list) and program_id not in linked:
                found.add(
                    [
                        violation(
                            "SCHEDULE-FILTERS-RESTRICT",
                            "program_id keeps an asset not linked to the program",
                            f"only assets linked to program {program_id}",
                            f"row for asset {asset_id} (linked to {linked})",
                            f"filter program_id={program_id}",
                        )
                    ],
                    request,
                )
            elif asset_id in first_rows and asset_id in steady:
                found.add(
                    schedule.check_restricted(
                        first_rows[asset_id],
                        row,
                        f"program_id={program_id}",
                        equal=linked == [program_id],
                    ),
                    request,
                )
                found.witness("SCHEDULE-FILTERS-RESTRICT")


@pytest.mark.parametrize("contract_id", params_for(CONTRACTS))
def test_expiration_schedule_keeps_the_contract(
    contract_id, schedule_findings, discovery, witness, target
):
    if contract_id == AGREES:  # a declared gap, not an open one, on a target without the report
        require_feature(target, "liability-report")
    if schedule_findings is None:
        not_run("the target has no LOT asset")
    if contract_id in NEEDS and contract_id not in schedule_findings.ran:
        not_run(NEEDS[contract_id] + unreached_note(discovery))
    record_witnesses(witness, schedule_findings.witnessed, contract_id, CONTRACTS[contract_id])
    assert_contract(schedule_findings.violations, contract_id)
