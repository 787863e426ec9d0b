"""The filters and sort orders of the resource lists: each filter, alone and combined with
another, returns exactly the matching items of the unfiltered list in its order, and each sort
orders the list by its key in its direction.

Every walk is bounded (``LIST_MAX`` items); when the unfiltered list is longer, the filtered
one is judged exactly over the unfiltered walk's first pages (the lists are ordered by
``created_at``, so those come first in the filtered list too).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest

from scrip_conformance.discovery import walk_all, walk_list
from scrip_conformance.invariants import list_filters, timestamps
from scrip_conformance.invariants.list_filters import all_of, predicate
from scrip_conformance.prefetch import get_all
from scrip_conformance.pytest_plugin import not_run
from scrip_conformance.sampling import rotation
from scrip_conformance.violations import Violation

from ._support import assert_contract, rng, sample

LIST_MAX = 1000
DETAILS_MAX = 10  # participant details read to judge the program_id filter
NO_MATCH = "scripconformancenosuchterm"
ASSETS, PROGRAMS, PARTICIPANTS = (
    "FILTER-ASSETS-EXACT",
    "FILTER-PROGRAMS-EXACT",
    "FILTER-PARTICIPANTS-EXACT",
)
BALANCES, SORT = "FILTER-BALANCES-ASSET-ID", "LIST-SORT-ORDER"
PATHS = {"assets": "/v1/assets", "programs": "/v1/programs", "participants": "/v1/participants"}
CONTRACT_OF = {"assets": ASSETS, "programs": PROGRAMS, "participants": PARTICIPANTS}
SORTS = {
    "programs": ("created_at", "name"),
    "participants": ("created_at", "external_id", "status"),
}


@dataclasses.dataclass
class Judged:
    violations: list[Violation] = dataclasses.field(default_factory=list)
    selecting: dict[str, int] = dataclasses.field(default_factory=dict)  # walks matching items
    empty: dict[str, int] = dataclasses.field(default_factory=dict)  # walks matching nothing

    def count(self, contract: str, selected: bool) -> None:
        into = self.selecting if selected else self.empty
        into[contract] = into.get(contract, 0) + 1


def _term(generator, items: list[dict], fields: tuple[str, ...]) -> str | None:
    """A search term cut from a run of ASCII letters and digits in one item's field, in a mixed
    case no field spells (search ignores case; no space or wildcard-like character a server
    might treat specially)."""
    words = sorted(
        {
            w
            for item in items
            for f in fields
            if isinstance(item.get(f), str)
            for w in re.findall(r"[A-Za-z0-9]{3,}", item[f])
        }
    )
    words = [w for w in words if re.search("[A-Za-z]", w)] or words  # a case to swap
    if not words:
        return None
    word = generator.choice(words)
    start = generator.randrange(0, len(word) - 2)
    cut = word[start : start + generator.randint(3, 6)]
    cut = cut if re.search("[A-Za-z]", cut) else word[:6]
    texts = [item[f] for item in items for f in fields if isinstance(item.get(f), str)]
    for first in (0, 1):  # a mixed case no field spells, so that only a case-blind match finds it
        term = "".join(c.upper() if (i + first) % 2 else c.lower() for i, c in enumerate(cut))
        if not any(term in text for text in texts):
            return term
    return cut.swapcase()


STATUSES = {
    "assets": ("ACTIVE", "ARCHIVED"),
    "programs": ("ACTIVE", "SUSPENDED", "ARCHIVED"),
    "participants": ("ACTIVE", "SUSPENDED", "CLOSED"),
}


def _cases(
    kind: str, base: list[dict], generator, statuses: int | None = None, samples: int = 2
) -> list[dict[str, str]]:
    """The filter queries tried on one list: each filter alone, then two combined; ``statuses``
    of the list's statuses (all when None; a seeded place in them, so the run's seeds send
    each), ``samples`` of the ids and external ids sampled from the list."""
    fields = list_filters.SEARCH_FIELDS[kind]
    term = _term(generator, base, fields)
    searches = [{"search": NO_MATCH}] + ([{"search": term}] if term else [])
    start = generator.randrange(len(STATUSES[kind])) if statuses is not None else 0
    by_status = [{"status": s} for s in rotation(STATUSES[kind], start, statuses)]
    if kind == "assets":
        linked = sorted({p for a in base for p in a.get("program_ids") or []})
        cases = [*by_status, *searches]
        cases += [{"program_id": p} for p in sample(generator, linked, samples)]
        if linked:
            cases.append({"status": "ACTIVE", "program_id": generator.choice(linked)})
    elif kind == "programs":
        # (include_archived=true is what the base walk asks: judged against itself, it could
        # only pass; a server ignoring it shows in status=ARCHIVED and in the default)
        cases = [{}, {"include_archived": "false"}, *by_status, *searches]
    else:
        stamps = sorted({p["created_at"] for p in base if isinstance(p.get("created_at"), str)})
        externals = [p["external_id"] for p in base if isinstance(p.get("external_id"), str)]
        cases = [*by_status, *searches]
        cases += [{"external_id": e} for e in sample(generator, externals, samples)]
        if stamps:
            low, high = sorted(generator.choice(stamps) for _ in range(2))
            cases += [{"from": low}, {"to": high}, {"from": low, "to": high, "status": "ACTIVE"}]
    if term:
        cases.append({"search": term, "status": "ACTIVE"})
    return cases


def _judge_lists(api, discovery, bases: dict[str, Any], generator, judged: Judged) -> None:
    """Each list's filter cases, walked ``--concurrency`` at a time, judged in order."""
    concurrency = discovery.target.concurrency
    limits = discovery.target.limits
    statuses, samples = limits.get("filter_statuses"), limits.get("filter_samples", 2)
    tried = []  # (kind, query)
    for kind, base_walk in bases.items():
        base = [i for i in base_walk.items if isinstance(i, dict)]
        tried += [(kind, query) for query in _cases(kind, base, generator, statuses, samples)]
    reads = [(PATHS[kind], query) for kind, query in tried]
    walks = walk_all(api, reads, concurrency, max_items=LIST_MAX)
    for (kind, query), walk in zip(tried, walks, strict=True):
        if not query:  # the default list (of programs): pagination walks it again
            discovery.keep_first_page(walk.first_page)
        contract, path, base_walk = CONTRACT_OF[kind], PATHS[kind], bases[kind]
        base = [i for i in base_walk.items if isinstance(i, dict)]
        matches = all_of([predicate(kind, k, v) for k, v in query.items()])
        if kind == "programs" and "status" not in query and "include_archived" not in query:
            matches = all_of([matches, predicate(kind, "include_archived", "false")])
        subject = f"{path} filtered by {query or 'nothing (the default)'}"
        found = list_filters.check_filtered(
            contract, base, base_walk.complete, walk.items, walk.complete, matches, subject
        )
        judged.violations += [v.at(walk.first_request) for v in found]
        judged.count(contract, any(matches(i) is True for i in base))


def _participant_programs(api, discovery, participant_ids: list[str], most: int) -> dict:
    """Each participant's program_ids (of the first ``most``), by its detail: as the walk read
    it, else read now."""
    chosen = participant_ids[:most]
    known = discovery.participant_programs
    unread = [p for p in chosen if p not in known]
    reads = [(f"/v1/participants/{participant_id}", None) for participant_id in unread]
    answers = dict(zip(unread, get_all(api, reads, discovery.target.concurrency), strict=True))
    found = {}
    for participant_id in chosen:
        response = answers.get(participant_id)
        if response is None:
            found[participant_id] = known[participant_id]
        elif response.status_code == 200 and isinstance(response.body, dict):
            found[participant_id] = response.body.get("program_ids") or []
    return found


def _judge_participant_programs(
    api, discovery, base_walk, generator, judged: Judged, most: int
) -> None:
    """program_id on participants: every listed one is enrolled (by its detail), and, when the
    filtered list was read whole, every sampled enrolled participant is listed (``most``
    details read on each side)."""
    base_ids = [p["id"] for p in base_walk.items if isinstance(p, dict) and "id" in p]
    chosen = sample(generator, base_ids, DETAILS_MAX)
    if most < DETAILS_MAX:  # a smaller budget: the details the walk read first (no request)
        known = discovery.participant_programs
        chosen = [p for p in base_ids if p in known][:most] + chosen
        chosen = list(dict.fromkeys(chosen))
    details = _participant_programs(api, discovery, chosen, most)
    enrolled = sorted({p for programs in details.values() for p in programs})
    if not enrolled:
        return
    program = generator.choice(enrolled)
    walk = walk_list(api, PATHS["participants"], {"program_id": program}, max_items=LIST_MAX)
    listed = [p["id"] for p in walk.items if isinstance(p, dict) and "id" in p]
    subject = f"/v1/participants filtered by program_id {program}"
    for participant_id, programs in _participant_programs(api, discovery, listed, most).items():
        if program not in programs:
            judged.violations.append(
                Violation(
                    PARTICIPANTS,
                    "program_id keeps a participant not enrolled in the program",
                    f"participants enrolled in {program}",
                    f"{participant_id} in {programs}",
                    subject,
                    walk.first_request,
                )
            )
    if walk.complete:
        missing = [p for p, programs in details.items() if program in programs and p not in listed]
        if missing:
            judged.violations.append(
                Violation(
                    PARTICIPANTS,
                    "program_id leaves out participants enrolled in the program",
                    f"every participant enrolled in {program}",
                    f"missing {missing[:3]}",
                    subject,
                    walk.first_request,
                )
            )
    judged.count(PARTICIPANTS, True)


def _judge_balances(api, discovery, generator, judged: Judged, concurrency) -> None:
    """asset_id on a participant's balances keeps exactly that asset's row."""
    most = discovery.target.limits.get("balance_filter_participants", 2)
    for participant_id in sample(generator, discovery.multi_balance_sample.items, most):
        path = f"/v1/participants/{participant_id}/balances"
        whole = walk_list(api, path, max_items=LIST_MAX)
        samples = discovery.target.limits.get("filter_samples", 2)
        rows = sample(generator, [r for r in whole.items if isinstance(r, dict)], samples)
        reads = [(path, {"asset_id": row.get("asset_id")}) for row in rows]
        walks = walk_all(api, reads, concurrency, max_items=LIST_MAX)
        for row, walk in zip(rows, walks, strict=True):
            if walk.items != [row]:
                judged.violations.append(
                    Violation(
                        BALANCES,
                        "asset_id does not keep exactly that asset's balance row",
                        f"[{row}]",
                        str(walk.items)[:300],
                        f"{path}, asset_id {row.get('asset_id')}",
                        walk.first_request,
                    )
                )
            judged.count(BALANCES, True)


def _sort_key(name: str):
    if name == "created_at":
        return lambda item: timestamps.parse(item.get("created_at"))
    return lambda item: item.get(name)


def _judge_sorts(api, bases: dict[str, Any], judged: Judged, directions, concurrency) -> None:
    """Each sort key in ``directions`` of the two directions (both when None), taken in turn
    across the keys so that both are sent."""
    tried = []  # (kind, key, direction)
    place = 0
    for kind, keys in SORTS.items():
        for name in keys:
            place += 1
            tried += [(kind, name, d) for d in rotation(("asc", "desc"), place - 1, directions)]
    reads = [
        (PATHS[kind], dict(_base_query(kind), sort_by=name, sort_dir=direction))
        for kind, name, direction in tried
    ]
    walks = walk_all(api, reads, concurrency, max_items=LIST_MAX)
    for (kind, name, direction), walk in zip(tried, walks, strict=True):
        base_walk = bases[kind]
        members = {i.get("id") for i in base_walk.items if isinstance(i, dict)}
        subject = f"{PATHS[kind]} sorted by {name} {direction}"
        found = list_filters.check_sorted(
            SORT, walk.items, _sort_key(name), direction == "desc", subject
        )
        got = {i.get("id") for i in walk.items if isinstance(i, dict)}
        if not found and walk.complete and base_walk.complete and got != members:
            found.append(
                Violation(
                    SORT,
                    "a sorted walk does not hold the list's items",
                    f"{len(members)} items of the unsorted list",
                    f"{len(got)} items, {len(got ^ members)} differing",
                    subject,
                )
            )
        judged.violations += [v.at(walk.first_request) for v in found]
        judged.count(SORT, len(walk.items) > 1)


def _base_query(kind: str) -> dict[str, str]:
    """The query of a list's unfiltered walk, and of its sorted ones: every program."""
    return {"include_archived": "true"} if kind == "programs" else {}


@pytest.fixture(scope="module")
def list_judgement(discovery, target, api) -> Judged:
    generator = rng(target, "list-filters")
    judged = Judged()
    concurrency = target.concurrency
    kinds = ("assets", "programs", "participants")
    reads = [(PATHS[kind], _base_query(kind)) for kind in kinds]
    # the first pages of the asset and participant lists as the walk read them
    walks = walk_all(discovery.reusing(api), reads, concurrency, max_items=LIST_MAX)
    bases = dict(zip(kinds, walks, strict=True))
    discovery.keep_first_page(bases["programs"].first_page)  # the schedule's programs
    _judge_lists(api, discovery, bases, generator, judged)
    most = target.limits.get("program_details", DETAILS_MAX)
    _judge_participant_programs(api, discovery, bases["participants"], generator, judged, most)
    _judge_balances(api, discovery, generator, judged, concurrency)
    _judge_sorts(api, bases, judged, target.limits.get("sort_directions"), concurrency)
    return judged


NEEDS = {
    ASSETS: "no asset to filter",
    PROGRAMS: "no program to filter",
    PARTICIPANTS: "no participant to filter",
    BALANCES: "no participant with two balance rows or more",
    SORT: "no list of two items or more to sort",
}


@pytest.mark.parametrize(
    "contract_id",
    [pytest.param(c, id=c, marks=pytest.mark.contract(c)) for c in NEEDS],
)
def test_list_filters_and_sorts_keep_exactly_their_items(contract_id, list_judgement, witness):
    selecting = list_judgement.selecting.get(contract_id, 0)
    witness(contract_id, "filtered or sorted walks that held items", selecting)
    if not selecting:
        not_run(NEEDS[contract_id])
    assert_contract(list_judgement.violations, contract_id)
