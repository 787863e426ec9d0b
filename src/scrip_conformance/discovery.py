"""One streamed walk over the data a target already holds: assets, participants, balances, lots.

Everything is read with GET through the list endpoints, page by page, within the walk limits of
the target. Each page is judged and folded as it arrives, then dropped: the per-lot contracts,
the order of each lot list, each participant's balances against the sums of its lots (once that
participant's lots are read), per-asset totals for recomputing the expiration schedule and for
the liability report. What remains after :meth:`Discovery.run` is small whatever the data set:
totals, bounded samples (a few whole lot lists for the filter contracts, ids for pagination, a
few lots per asset, the first pages of the asset and participant lists, which the contracts
read again), the lot dates close to the run's time window, and the violations found,
bounded per contract (:class:`Findings`), with the witnesses of each contract: what the walk
actually judged (final-state lots, dated lots, balance rows, counters ...), so that a contract
whose precondition the data does not meet is reported not exercised rather than passed.
"""
# long file (about 810 lines): the streaming walk keeps every per-page fold beside the walk that
# feeds it, so that a page is read once; splitting the folds into their own module is next.

from __future__ import annotations

import contextlib
import functools
import random
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from scrip_conformance import witnesses
from scrip_conformance.client import ApiResponse, TargetClient
from scrip_conformance.invariants import amounts, balances, lots, timestamps
from scrip_conformance.invariants._common import items
from scrip_conformance.invariants.registry import as_lot_page
from scrip_conformance.invariants.schedule import ExpiryFold, UnstableLot
from scrip_conformance.prefetch import (
    Key,
    Prefetcher,
    Recorder,
    Replay,
    Reuse,
    get_all,
    key_of,
    replay_all,
)
from scrip_conformance.target import Target
from scrip_conformance.violations import ContractFailure, Violation

PAGE_SIZE = 200
MAX_PAGES = 500
"""Pages any walk follows at most: past this the cursor is taken as never ending (a finding)."""
MAX_EMPTY_PAGES = 50
"""Empty pages in a row with has_more true after which the cursor is taken as never ending."""
MAX_KEPT = 20  # violations kept in full per contract; the rest are counted
# lot dates kept for :meth:`Discovery.unstable_lot_ids`: those from the walk's start (less the
# clock skew) to this long after it; a run (walk and contracts) takes far less
CLOCK_HORIZON = timedelta(days=2)
KEPT_LIST_MAX_LOTS = 2000  # a whole lot list is kept (for the filter contracts) up to this size
LOT_SAMPLE_PER_ASSET = 64  # outstanding lots with a future expiry kept per asset (window edges)
ID_SAMPLE = 16  # lot lists and participants kept by id for the pagination contracts
FIRST_PAGES_KEPT = 64  # first pages of lists kept to be read again by later contracts
PROGRAMS_KEPT = 1000  # walked participants whose program_ids are kept (the list filters')
SLIM_LOT_FIELDS = ("id", "status", "remaining", "reference_id", "expires_at", "matures_at")


class Findings:
    """Violations found while walking, per contract: the first ``keep`` in full, the rest only
    counted (a broken server with a million bad lots must not fill the memory)."""

    def __init__(self, keep: int = MAX_KEPT):
        self.keep = keep
        self.kept: dict[str, list[Violation]] = defaultdict(list)
        self.counts: Counter[str] = Counter()
        self.ran: set[str] = set()  # contracts the walk could judge at least once
        self.witnessed: witnesses.Witnesses = {}  # what was judged, per contract and kind

    def witness(self, contract_id: str, what: str, count: int = 1) -> None:
        """Count ``count`` witnesses of kind ``what`` for ``contract_id``."""
        witnesses.add(self.witnessed, contract_id, what, count)

    def add(self, violations: Iterable[Violation], request: str | None = None) -> None:
        for found in violations:
            if request is not None and found.request is None:
                found = found.at(request)
            self.counts[found.contract_id] += 1
            kept = self.kept[found.contract_id]
            if len(kept) < self.keep:
                kept.append(found)

    def of(self, contract_id: str) -> list[Violation]:
        """The violations kept for ``contract_id``, plus one counting those left out."""
        kept = list(self.kept.get(contract_id, ()))
        rest = self.counts[contract_id] - len(kept)
        if rest > 0:
            kept.append(
                Violation(contract_id, f"... and {rest} more violations of this contract",
                          "no violation", f"{rest} more, like the ones above")
            )  # fmt: skip
        return kept

    def __iter__(self) -> Iterator[Violation]:
        for contract_id in list(self.kept):
            yield from self.of(contract_id)


class Reservoir:
    """A uniform sample of at most ``size`` items of a stream, seeded (deterministic for one
    stream and seed), kept in stream order."""

    def __init__(self, size: int, seed: str):
        self.size = size
        self.seen = 0
        self._random = random.Random(seed)
        self._kept: list[tuple[int, Any]] = []

    def offer(self, item: Any) -> None:
        self.seen += 1
        if len(self._kept) < self.size:
            self._kept.append((self.seen, item))
            return
        slot = self._random.randrange(self.seen)
        if slot < self.size:
            self._kept[slot] = (self.seen, item)

    @property
    def items(self) -> list[Any]:
        return [item for _, item in sorted(self._kept, key=lambda pair: pair[0])]


@dataclass
class Walk:
    """The items of one (small) list, read page by page; pages are not kept."""

    items: list[Any] = field(default_factory=list)
    complete: bool = False  # the last page said has_more false
    first_request: str = ""
    first_page: ApiResponse | None = None  # its answer (another contract may read it again)
    pages: int = 0
    next_cursor: str | None = None  # the cursor the last page read offered


def iter_pages(
    api: TargetClient,
    path: str,
    params: dict[str, Any] | None,
    page_size: int,
    contract_id: str = "PAGINATION-HAS-MORE-CURSOR",
) -> Iterator[ApiResponse]:
    """Each page of a list, following ``next_cursor`` while ``has_more`` (expects 200s), at most
    ``MAX_PAGES`` pages and ``MAX_EMPTY_PAGES`` empty pages in a row: a cursor that never ends
    is a PAGINATION-HAS-MORE-CURSOR finding, not an endless walk."""
    cursor = None
    seen_cursors: set[str] = set()
    pages = empty = 0
    last_request = ""
    while True:
        if pages >= MAX_PAGES or empty >= MAX_EMPTY_PAGES:
            what = f"{empty} empty pages in a row" if empty >= MAX_EMPTY_PAGES else f"{pages} pages"
            raise ContractFailure(
                [
                    Violation(
                        "PAGINATION-HAS-MORE-CURSOR",
                        f"the list never ends: has_more true after {what}, each with a new cursor",
                        "has_more false on a last page",
                        f"has_more true after {what}",
                        request=last_request,
                    )
                ]
            )
        query = dict(params or {}, limit=page_size)
        if cursor is not None:
            query["cursor"] = cursor
        response = api.get(path, query)
        if cursor is None:
            body = response.expect(200, contract_id, "the first page of the list could not be read")
        else:
            body = response.expect(
                200, "PAGINATION-HAS-MORE-CURSOR", "the next_cursor of the previous page is refused"
            )
        yield response
        last_request = response.curl
        pages += 1
        empty = empty + 1 if not items(body) else 0
        page = body.get("pagination") if isinstance(body, dict) else None
        if not isinstance(page, dict) or page.get("has_more") is not True:
            return
        cursor = page.get("next_cursor")
        if not isinstance(cursor, str) or not cursor or cursor in seen_cursors:
            raise ContractFailure(
                [
                    Violation(
                        "PAGINATION-HAS-MORE-CURSOR",
                        "has_more is true but next_cursor cannot continue the walk",
                        "a new non-empty next_cursor on every page with has_more true",
                        f"next_cursor = {cursor!r}",
                        request=response.curl,
                    )
                ]
            )
        seen_cursors.add(cursor)


def walk_list(
    api: TargetClient,
    path: str,
    params: dict[str, Any] | None = None,
    *,
    page_size: int = PAGE_SIZE,
    max_items: int | None = None,
    on_page: Callable[[ApiResponse], None] | None = None,
) -> Walk:
    """Read a (small) list up to ``max_items`` items (all when None); ``on_page`` sees each
    page before it is dropped."""
    walk = Walk()
    for response in iter_pages(api, path, params, page_size):
        if on_page is not None:
            on_page(response)
        walk.pages += 1
        walk.first_request = walk.first_request or response.curl
        walk.first_page = walk.first_page or response
        walk.items.extend(items(response.body))
        pagination = _pagination(response.body)
        walk.next_cursor = pagination.get("next_cursor")
        if pagination.get("has_more") is not True:
            walk.complete = True
            break
        if max_items is not None and len(walk.items) >= max_items:
            break
    if max_items is not None and len(walk.items) > max_items:
        walk.items = walk.items[:max_items]
        walk.complete = False
    return walk


def walk_all(
    api: TargetClient,
    lists: Iterable[tuple[str, dict[str, Any] | None]],
    concurrency: int,
    *,
    page_size: int = PAGE_SIZE,
    max_items: int | None = None,
) -> list[Walk]:
    """:func:`walk_list` of each ``(path, query)``, ``concurrency`` lists read at once (each
    one page after another), the walks (and their answers, for the observers) in the order
    given, as if walked one after another."""
    return replay_all(
        api,
        [
            functools.partial(walk_list, path=path, params=query, page_size=page_size,
                              max_items=max_items)
            for path, query in lists
        ],
        concurrency,
    )  # fmt: skip


@dataclass
class LotList:
    """One participant's lots of one asset, kept whole (slimmed to what filters compare)."""

    participant_id: str
    asset_id: str
    lots: list[dict]
    first_request: str

    @property
    def variety(self) -> int:
        return len({lot.get("status") for lot in self.lots})


@dataclass
class _ListFold:
    """What the walk keeps of one lot list while reading it."""

    sums: dict[str, Decimal] = field(
        default_factory=lambda: {b: Decimal(0) for b in balances.BUCKETS}
    )
    count: int = 0
    last: dict | None = None  # the last lot of the previous page (for the order check)
    order_broken: bool = False
    kept: list[dict] | None = field(default_factory=list)  # None once over the size limit
    first_request: str = ""
    complete: bool = False


def schedule_windows(started_at: datetime, target: Target) -> list[tuple[str, str]]:
    """Windows the schedule contracts try: a wide one, an aligned calendar month, and seeded
    unaligned ones; every one spans fewer than 1000 days so that day granularity is allowed.
    (Known before the walk, so that the walk folds exactly what recomputing them needs.)"""
    generator = random.Random(f"{target.seed}:schedule-windows")
    now = started_at.replace(microsecond=0)
    month = now.replace(day=1, hour=0, minute=0, second=0)
    month_end = timestamps.next_period(month, "month") - timedelta(seconds=1)
    chosen = [(now - timedelta(days=60), now + timedelta(days=600)), (month, month_end)]
    for _ in range(max(target.limits["windows"] - 2, 0)):
        start = now + timedelta(
            days=generator.randint(-200, 400), seconds=generator.randint(0, 86399)
        )
        chosen.append(
            (
                start,
                start
                + timedelta(days=generator.randint(1, 400), seconds=generator.randint(0, 86399)),
            )
        )
    return [(timestamps.format_z(a), timestamps.format_z(b)) for a, b in chosen]


class _Serial:
    """No reading ahead: every read is sent by the walk itself."""

    def plan(self, upcoming: Iterable[Any]) -> None:
        pass

    def answers(self, item: Any) -> dict:
        return {}


def _read_participant(
    recorder: Recorder,
    participant_id: str,
    lot_assets: dict[str, dict],
    target: Target,
    balance_list: bool,
) -> None:
    """The GETs the walk of one participant sends (its detail, its lot lists, its balance
    list), for reading them ahead; the walk itself decides what it judges."""
    response = recorder.get(f"/v1/participants/{participant_id}")
    detail = response.body if response.status_code == 200 else None
    rows = detail.get("balances") if isinstance(detail, dict) else None
    for row in rows if isinstance(rows, list) else []:
        asset_id = row.get("asset_id") if isinstance(row, dict) else None
        if asset_id in lot_assets:
            recorder.pages(
                f"/v1/participants/{participant_id}/balances/lots",
                {"asset_id": asset_id},
                PAGE_SIZE,
                target.max_lots_per_participant,
            )
    if balance_list:
        recorder.pages(f"/v1/participants/{participant_id}/balances", {}, PAGE_SIZE, 10**9)


class Discovery:
    """The walk's results; built once per session by :meth:`run`."""

    def __init__(
        self,
        api: TargetClient,
        target: Target,
        *,
        include_assets: Iterable[str] = (),
        include_participants: Iterable[str] = (),
    ):
        self.api = api
        self.target = target
        # walked whatever the walk limits (the run's own evidence): read by id when the capped
        # list walk did not reach them
        self.include_assets = list(include_assets)
        self.include_participants = list(include_participants)
        self.started_at = datetime.now(UTC)
        self.finished_at = self.started_at
        self._reset()

    def _reset(self) -> None:
        target = self.target
        self.assets = Walk()
        self.participants_complete = False
        self.participant_count = 0
        self.first_participant_id: str | None = None
        self.walked_participants: set[str] = set()
        # read again by the contracts: the first page of the asset and participant lists, and
        # the programs each walked participant is enrolled in (bounded)
        self.first_pages: dict[Key, ApiResponse] = {}
        self.participant_programs: dict[str, list] = {}
        self.listed_participants = 0  # of them, reached through the participant list
        self.cut_lists: list[tuple[str, str]] = []  # (participant, asset) lists cut by the limit
        self.findings = Findings()
        self.lots_walked = 0
        self.lot_lists_walked = 0
        self.lot_lists_complete = 0
        self.lot_lists_ordered = 0  # lists of two lots or more (their order can be judged)
        self.balance_sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        self.overdrawn_assets: set[str] = set()
        self.schedule_windows = schedule_windows(self.started_at, target)
        self.expiry_folds: dict[str, ExpiryFold] = {}
        self.lot_samples: dict[str, Reservoir] = {}
        self.kept_lists: list[LotList] = []  # the most varied complete lists, whole
        self._ranked_lists: list[tuple[tuple[int, int], LotList]] = []  # (rank, list) while walking
        self.lists_sample = Reservoir(ID_SAMPLE, f"{target.seed}:walk-lot-lists")
        self.multi_balance_sample = Reservoir(ID_SAMPLE, f"{target.seed}:walk-participants")
        # (moment, lot id, asset id, remaining when an outstanding lot's expiry, else None)
        self._moments: list[tuple[datetime, Any, str, Decimal | None]] = []  # lot id as sent
        self._lists_done = 0

    # -- the walk ----------------------------------------------------------------------------
    def run(self) -> Discovery:
        self.started_at = datetime.now(UTC)
        self._reset()
        target = self.target
        self.assets = walk_list(
            self.api, "/v1/assets", max_items=target.max_assets, on_page=self.keep_first_page
        )
        self._read_included_assets()
        lot_assets = self.lot_assets()
        bounds = [timestamps.parse(t) for window in self.schedule_windows for t in window]
        self.expiry_folds = {a: ExpiryFold(bounds) for a in lot_assets}
        self.lot_samples = {
            a: Reservoir(LOT_SAMPLE_PER_ASSET, f"{target.seed}:walk-lots:{a}") for a in lot_assets
        }
        self.participants_complete = False
        cap = self.listed_cap()
        with self._reading_ahead(lot_assets) as ahead:
            for response in iter_pages(self.api, "/v1/participants", None, PAGE_SIZE):
                self.keep_first_page(response)
                page = items(response.body)
                room = cap - self.participant_count
                ids = [
                    summary.get("id") if isinstance(summary, dict) else None
                    for summary in page[:room]
                ]
                first = self.participant_count
                ahead.plan((i, first + n) for n, i in enumerate(ids) if isinstance(i, str))
                for participant_id in ids:
                    self.participant_count += 1
                    if isinstance(participant_id, str):
                        self._walk_participant_read_ahead(participant_id, lot_assets, ahead)
                if _pagination(response.body).get("has_more") is not True:
                    self.participants_complete = len(page) <= room
                    break
                if self.participant_count >= cap:
                    break
            self.listed_participants = self.participant_count
            rest = [p for p in self.include_participants if p not in self.walked_participants]
            first = self.participant_count
            ahead.plan((p, first + n) for n, p in enumerate(dict.fromkeys(rest)))
            for participant_id in rest:
                if participant_id not in self.walked_participants:
                    self.participant_count += 1
                    self._walk_participant_read_ahead(participant_id, lot_assets, ahead)
        self._moments.sort(key=lambda moment: moment[0])
        self.kept_lists = [
            lot_list for _, lot_list in sorted(self._ranked_lists, key=lambda k: k[0])
        ]
        self.finished_at = datetime.now(UTC)
        return self

    @contextlib.contextmanager
    def _reading_ahead(self, lot_assets: dict[str, dict]) -> Iterator[Prefetcher | _Serial]:
        """Participants' reads sent ahead, ``--concurrency`` in flight (none when 1)."""
        concurrency = getattr(self.target, "concurrency", 1)
        if concurrency <= 1:
            yield _Serial()
            return

        def read(recorder: Recorder, planned: tuple[str, int]) -> None:
            participant_id, position = planned
            _read_participant(
                recorder, participant_id, lot_assets, self.target, self._compares_list(position)
            )

        with Prefetcher(self.api, read, concurrency) as ahead:
            yield ahead

    def _walk_participant_read_ahead(
        self, participant_id: str, lot_assets: dict[str, dict], ahead: Prefetcher | _Serial
    ) -> None:
        """Walk one participant, its reads answered from those sent ahead when there are."""
        answers = ahead.answers((participant_id, self.participant_count - 1))
        if not answers:
            self._walk_participant(participant_id, lot_assets)
            return
        live = self.api
        self.api = cast(TargetClient, Replay(live, answers))
        try:
            self._walk_participant(participant_id, lot_assets)
        finally:
            self.api = live

    def _walk_participant(self, participant_id: str, lot_assets: dict[str, dict]) -> None:
        if self.first_participant_id is None:
            self.first_participant_id = participant_id
        self.walked_participants.add(participant_id)
        response = self.api.get(f"/v1/participants/{participant_id}")
        detail = response.expect(200, "ERROR-UNKNOWN-ID-404", "a listed participant is missing")
        if isinstance(detail, dict) and len(self.participant_programs) < PROGRAMS_KEPT:
            self.participant_programs[participant_id] = detail.get("program_ids") or []
        detail = detail if isinstance(detail, dict) else {}
        asked_at = response.started_at
        where, subject = response.curl, f"participant {participant_id}"
        rows = detail.get("balances")
        rows = [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []
        found = self.findings
        found.add(balances.check_counters(detail), where)
        counters = detail.get("counters")
        if isinstance(counters, dict) and counters:
            found.witness("PARTICIPANT-COUNTERS-ARE-STRINGS", "counter values", len(counters))
        found.add(balances.check_rows_sorted(rows, subject), where)
        if len(rows) > 1:
            self.multi_balance_sample.offer(participant_id)
            found.witness("BALANCE-ROWS-SORTED", "participants with two or more balance rows")
        for row in rows:
            asset_id = row.get("asset_id")
            scale = self.scale_of(asset_id)
            if scale is not None:
                found.add(
                    balances.check_row_scale(row, scale, f"{subject}, asset {asset_id}"), where
                )
                found.witness("BALANCE-AT-SCALE", "balance rows")
            for bucket in balances.BUCKETS:
                self.balance_sums[(asset_id, bucket.upper())] += _amount(row.get(bucket))
            if str(row.get("available") or "").startswith("-"):
                self.overdrawn_assets.add(asset_id)
        earliest: datetime | None = None  # the first lot date at or after the detail was read
        for row in rows:
            asset_id = row.get("asset_id")
            if asset_id not in lot_assets:
                continue
            fold, soonest = self._walk_lots(participant_id, asset_id, asked_at)
            if soonest is not None and (earliest is None or soonest < earliest):
                earliest = soonest
            if fold.complete:
                found.ran.add("BALANCE-EQUALS-LOT-SUMS")
                if not self._moved(earliest):
                    found.witness("BALANCE-EQUALS-LOT-SUMS", "balance rows summed from lots")
                    found.add(
                        balances.check_matches_sums(
                            row, fold.sums, self.scale_of(asset_id) or 0,
                            f"{subject}, asset {asset_id}",
                        ),
                        where,
                    )  # fmt: skip
        if self._compares_list(self.participant_count - 1) and not self._moved(earliest):
            listed = walk_list(self.api, f"/v1/participants/{participant_id}/balances")
            if listed.complete:
                found.add(
                    balances.check_list_equals_detail(listed.items, rows, subject),
                    listed.first_request,
                )
                found.witness(
                    "BALANCES-LIST-EQUALS-DETAIL", "balance rows compared",
                    max(len(rows), len(listed.items)),
                )  # fmt: skip

    def keep_first_page(self, response: ApiResponse | None) -> None:
        """Keep ``response``, the first page of a list, for the contracts that read the same
        list later (:meth:`reusing`), ``FIRST_PAGES_KEPT`` of them at most."""
        if response is None or response.params.get("cursor"):
            return
        if len(self.first_pages) < FIRST_PAGES_KEPT:
            self.first_pages.setdefault(key_of(response.path, response.params), response)

    def reusing(self, api: TargetClient) -> TargetClient:
        """``api`` answering the first pages kept (of the asset and participant lists, of the
        lists a contract keeps) from them: the read-only profile judges a quiet target, and
        those lists hold nothing that follows the clock, so they have not changed since."""
        return cast(TargetClient, Reuse(api, self.first_pages))

    def listed_cap(self) -> int:
        """Listed participants walked at most: ``--max-participants``; in a budget with a
        ``walk_participants`` sample, that many when the run's own evidence is walked too
        (its participants are included whatever the cap, and they alone exercise every
        read-only contract: the sample adds the target's own data, first listed first)."""
        sample = self.target.limits.get("walk_participants")
        if sample is None or not self.include_participants:
            return self.target.max_participants
        return min(sample, self.target.max_participants)

    def _compares_list(self, position: int) -> bool:
        """Whether the participant walked at ``position`` (0 first) has its balance list
        compared with its detail (BALANCES-LIST-EQUALS-DETAIL): the first few in the quick
        budget, where a request per participant buys no known-bad variant more."""
        return position < self.target.limits.get("balance_lists", position + 1)

    def _read_included_assets(self) -> None:
        """Add the included assets the capped asset walk did not reach, each read by id."""
        walked = self.asset_by_id()
        reads = [(f"/v1/assets/{a}", None) for a in self.include_assets if a not in walked]
        concurrency = getattr(self.target, "concurrency", 1)
        for response in get_all(self.api, reads, concurrency):
            body = response.expect(200, "ERROR-UNKNOWN-ID-404", "a run's asset is missing")
            if isinstance(body, dict):
                self.assets.items.append(body)

    def _moved(self, earliest: datetime | None) -> bool:
        """Whether a lot date seen (``earliest``: the first one after the balances were read)
        has passed by now: balances and lots may then legitimately disagree."""
        return earliest is not None and earliest <= datetime.now(UTC) + self.target.skew

    # long: one streaming pass over a participant's lots folds each page into every total at once;
    # split per total, each piece would need the page state passed around
    def _walk_lots(
        self, participant_id: str, asset_id: str, asked_at: datetime
    ) -> tuple[_ListFold, datetime | None]:
        """Walk one lot list, judging and folding each page; the fold and the first lot date
        at or after ``asked_at`` less the clock skew."""
        target = self.target
        fold = _ListFold()
        scale = self.scale_of(asset_id)
        schedule_fold = self.expiry_folds.get(asset_id)
        sample = self.lot_samples.get(asset_id)
        low, high = self.started_at - target.skew, self.started_at + CLOCK_HORIZON
        after = asked_at - target.skew
        soonest: datetime | None = None
        edge_after = self.started_at + timedelta(minutes=10)
        path = f"/v1/participants/{participant_id}/balances/lots"
        cap = target.max_lots_per_participant
        self.lot_lists_walked += 1
        for response in iter_pages(self.api, path, {"asset_id": asset_id}, PAGE_SIZE):
            fold.first_request = fold.first_request or response.curl
            skew = target.skew + (response.finished_at - response.started_at)
            page = items(response.body)
            for lot in page:
                self.findings.add(
                    as_lot_page(  # replay re-applies the registry's lot_page to such a finding
                        lots.check_lot(
                            lot, scale=scale, asset_id=asset_id, now=response.started_at, skew=skew
                        )
                    ),
                    response.curl,
                )
                self._witness_lot(lot, scale)
            room = max(cap - fold.count, 0)
            cut = len(page) > room
            page = page[:room]
            if not fold.order_broken:
                chained = ([fold.last] if fold.last is not None else []) + page
                broken = lots.check_order(
                    chained, f"participant {participant_id}, asset {asset_id}"
                )
                self.findings.add(broken, response.curl)
                fold.order_broken = bool(broken)
            for lot in page:
                if not isinstance(lot, dict):
                    continue
                fold.count += 1
                fold.last = lot
                bucket = str(lot.get("status", "")).lower()
                if bucket in fold.sums:
                    fold.sums[bucket] += _amount(lot.get("remaining"))
                for name in ("expires_at", "matures_at"):
                    moment = timestamps.parse(lot.get(name))
                    if moment is None:
                        continue
                    if low <= moment <= high:
                        expiring = name == "expires_at" and lots.is_outstanding(lot)
                        self._moments.append(
                            (
                                moment,
                                lot.get("id"),
                                asset_id,
                                lots.remaining_of(lot) if expiring else None,
                            )
                        )
                    if moment >= after and (soonest is None or moment < soonest):
                        soonest = moment
                if schedule_fold is not None:
                    schedule_fold.add(lot)
                if sample is not None and lots.is_outstanding(lot):
                    expires = timestamps.parse(lot.get("expires_at"))
                    if expires is not None and expires > edge_after:
                        sample.offer(_slim(lot))
                if fold.kept is not None:
                    if len(fold.kept) < KEPT_LIST_MAX_LOTS:
                        fold.kept.append(_slim(lot))
                    else:
                        fold.kept = None
            if _pagination(response.body).get("has_more") is not True:
                fold.complete = not cut
                break
            if fold.count >= cap:
                break
        self.lots_walked += fold.count
        if fold.count > 1:
            self.lot_lists_ordered += 1
            self.findings.witness("LOT-ORDER-OLDEST-FIRST", "lot lists of two or more lots")
        if fold.count > 2:
            self.lists_sample.offer((participant_id, asset_id))
        if fold.complete:
            self.lot_lists_complete += 1
        else:
            self.cut_lists.append((participant_id, asset_id))
        if fold.complete and fold.count and fold.kept is not None:
            self._keep_list(LotList(participant_id, asset_id, fold.kept, fold.first_request))
        return fold, soonest

    def _witness_lot(self, lot: Any, scale: int | None) -> None:
        """Count what the per-lot contracts judged on ``lot`` (``lots.check_lot``)."""
        if not isinstance(lot, dict):
            return
        witness = self.findings.witness
        witness("LOT-REMAINING-LE-AMOUNT", "lots")
        witness("LOT-BELONGS-TO-ASSET", "lots")
        if scale is not None:
            witness("LOT-AMOUNT-AT-SCALE", "lots at a known scale")
        if lot.get("status") in lots.FINAL_STATUSES:
            witness("LOT-FINAL-HOLDS-NOTHING", "final-state lots")
        if lot.get("expires_at") is not None or lot.get("matures_at") is not None:
            witness("LOT-STATUS-MATCHES-CLOCK", "dated lots")

    def _keep_list(self, lot_list: LotList) -> None:
        """Keep the most varied complete lists (by statuses, then walk order), bounded."""
        self._lists_done += 1
        self._ranked_lists.append(((-lot_list.variety, self._lists_done), lot_list))
        limit = self.target.limits["filter_participants"]
        if len(self._ranked_lists) > limit:
            self._ranked_lists.sort(key=lambda kept: kept[0])
            del self._ranked_lists[limit:]

    # -- views -------------------------------------------------------------------------------
    def asset_by_id(self) -> dict[str, dict]:
        return {a["id"]: a for a in self.assets.items if isinstance(a, dict) and "id" in a}

    def lot_assets(self) -> dict[str, dict]:
        return {i: a for i, a in self.asset_by_id().items() if a.get("inventory_mode") == "LOT"}

    def simple_assets(self) -> dict[str, dict]:
        return {i: a for i, a in self.asset_by_id().items() if a.get("inventory_mode") == "SIMPLE"}

    def scale_of(self, asset_id: Any) -> int | None:
        scale = self.asset_by_id().get(asset_id, {}).get("scale") if asset_id else None
        return scale if isinstance(scale, int) else None

    @property
    def complete(self) -> bool:
        """Every asset, participant and lot was read (nothing cut by a walk limit)."""
        return (
            self.assets.complete
            and self.participants_complete
            and self.lot_lists_complete == self.lot_lists_walked
        )

    def complete_assets(self) -> set[str]:
        """Assets whose every holder's balances and lots were read to the end: all of them when
        the walk is complete; else the included ones (the run's own assets, which only its
        included participants hold) whose lot lists were all read whole."""
        known = set(self.asset_by_id())
        if self.complete:
            return known
        cut = {asset_id for _, asset_id in self.cut_lists}
        return (set(self.include_assets) & known) - cut

    def unreached(self) -> list[str]:
        """What the walk limits left unread, one line each (empty when the walk is complete)."""
        target, lines = self.target, []
        if not self.assets.complete:
            lines.append(
                f"assets after the first {len(self.assets.items)} listed (--max-assets "
                f"{target.max_assets})"
            )
        if not self.participants_complete:
            cap = self.listed_cap()
            why = (
                f"--max-participants {target.max_participants}"
                if cap >= target.max_participants
                else f"the {target.budget} budget's sample beside the run's own evidence"
            )
            lines.append(f"participants after the first {self.listed_participants} listed ({why})")
        for participant_id, asset_id in self.cut_lists[:5]:
            lines.append(
                f"lots of participant {participant_id}, asset {asset_id} after the first "
                f"{target.max_lots_per_participant} (--max-lots-per-participant)"
            )
        if len(self.cut_lists) > 5:
            lines.append(f"... and {len(self.cut_lists) - 5} more lot lists cut the same way")
        return lines

    def _unstable(self, until: datetime | None) -> list[tuple[datetime, str, str, Any]]:
        end = until or datetime.now(UTC)
        moments = self._moments
        low = bisect_left(moments, self.started_at - self.target.skew, key=lambda m: m[0])
        high = bisect_right(moments, end + self.target.skew, key=lambda m: m[0])
        return moments[low:high]

    def unstable_lot_ids(self, until: datetime | None = None) -> set[str]:
        """Lots whose expiry or maturity falls between the walk's start and ``until`` (now by
        default), widened by the clock skew: their status may differ between two requests
        (``invariants.lots.clock_sensitive``)."""
        return {moment[1] for moment in self._unstable(until)}

    def unstable_assets(self, until: datetime | None = None) -> set[str]:
        """Assets holding one of :meth:`unstable_lot_ids`."""
        return {moment[2] for moment in self._unstable(until)}

    def unstable_expiries(self, until: datetime | None = None) -> dict[str, list[UnstableLot]]:
        """Per asset, the lots walked outstanding whose expiry falls between the walk's start
        and ``until`` (now by default), widened by the clock skew, sorted by expiry: what the
        schedule and the liability report may have lost to expiry when computed (a lot walked
        already expired stays so; a maturity changes neither report's outstanding figures)."""
        found: dict[str, list[UnstableLot]] = defaultdict(list)
        for moment, lot_id, asset_id, remaining in self._unstable(until):
            if remaining is not None:
                found[asset_id].append(UnstableLot(moment, remaining, str(lot_id)))
        return dict(found)


def _amount(text: Any) -> Decimal:
    return amounts.parse(text) or Decimal(0)


def _slim(lot: dict) -> dict:
    return {name: lot.get(name) for name in SLIM_LOT_FIELDS}


def _pagination(body: Any) -> dict:
    page = body.get("pagination") if isinstance(body, dict) else None
    return page if isinstance(page, dict) else {}
