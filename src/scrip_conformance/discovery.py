"""One walk over the data a target already holds: assets, participants, their balances and lots.

Everything is read with GET through the list endpoints, page by page, within the walk limits of
the target. The walk records whether each list was read to its end, so contracts that need all
the data (recomputing the schedule, summing balances) know whether they can run.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scrip_conformance.client import ApiResponse, TargetClient
from scrip_conformance.invariants import timestamps
from scrip_conformance.invariants._common import items
from scrip_conformance.target import Target
from scrip_conformance.violations import ContractFailure, Violation

PAGE_SIZE = 200


@dataclass
class Walk:
    """The items of one list, read page by page."""

    items: list[Any] = field(default_factory=list)
    complete: bool = False  # the last page said has_more false
    responses: list[ApiResponse] = field(default_factory=list)

    @property
    def first_request(self) -> str:
        return self.responses[0].curl if self.responses else ""


def iter_pages(
    api: TargetClient,
    path: str,
    params: dict[str, Any] | None,
    page_size: int,
    contract_id: str = "PAGINATION-HAS-MORE-CURSOR",
) -> Iterator[ApiResponse]:
    """Each page of a list, following ``next_cursor`` while ``has_more`` (expects 200s)."""
    cursor = None
    seen_cursors: set[str] = set()
    while True:
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
) -> Walk:
    """Read a list up to ``max_items`` items (all when None)."""
    walk = Walk()
    for response in iter_pages(api, path, params, page_size):
        walk.responses.append(response)
        walk.items.extend(items(response.body))
        has_more = response.body.get("pagination", {}).get("has_more") is True
        if not has_more:
            walk.complete = True
            break
        if max_items is not None and len(walk.items) >= max_items:
            break
    if max_items is not None and len(walk.items) > max_items:
        walk.items = walk.items[:max_items]
        walk.complete = False
    return walk


@dataclass
class ParticipantData:
    """One participant: its summary, its detail (with balances) and its lots per LOT asset."""

    summary: dict
    detail: dict
    detail_response: ApiResponse
    lots: dict[str, Walk] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.summary["id"]

    def balance_rows(self) -> list[dict]:
        rows = self.detail.get("balances")
        return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


class Discovery:
    """The walk's results; built once per session by :meth:`run`."""

    def __init__(self, api: TargetClient, target: Target):
        self.api = api
        self.target = target
        self.assets = Walk()
        self.participants_walk = Walk()
        self.participants: list[ParticipantData] = []
        self.started_at = datetime.now(UTC)
        self.finished_at = self.started_at
        self._clock_moments: list[tuple[datetime, str]] | None = None

    def run(self) -> Discovery:
        self.started_at = datetime.now(UTC)
        self._clock_moments = None
        self.assets = walk_list(self.api, "/v1/assets", max_items=self.target.max_assets)
        self.participants_walk = walk_list(
            self.api, "/v1/participants", max_items=self.target.max_participants
        )
        lot_assets = self.lot_assets()
        for summary in self.participants_walk.items:
            if not isinstance(summary, dict) or not isinstance(summary.get("id"), str):
                continue
            response = self.api.get(f"/v1/participants/{summary['id']}")
            detail = response.expect(200, "ERROR-UNKNOWN-ID-404", "a listed participant is missing")
            data = ParticipantData(summary, detail if isinstance(detail, dict) else {}, response)
            for row in data.balance_rows():
                asset_id = row.get("asset_id")
                if asset_id in lot_assets:
                    data.lots[asset_id] = walk_list(
                        self.api,
                        f"/v1/participants/{data.id}/balances/lots",
                        {"asset_id": asset_id},
                        max_items=self.target.max_lots_per_participant,
                    )
            self.participants.append(data)
        self.finished_at = datetime.now(UTC)
        return self

    # -- views -------------------------------------------------------------------------------
    def asset_by_id(self) -> dict[str, dict]:
        return {a["id"]: a for a in self.assets.items if isinstance(a, dict) and "id" in a}

    def lot_assets(self) -> dict[str, dict]:
        return {i: a for i, a in self.asset_by_id().items() if a.get("inventory_mode") == "LOT"}

    def simple_assets(self) -> dict[str, dict]:
        return {i: a for i, a in self.asset_by_id().items() if a.get("inventory_mode") == "SIMPLE"}

    def scale_of(self, asset_id: str) -> int | None:
        scale = self.asset_by_id().get(asset_id, {}).get("scale")
        return scale if isinstance(scale, int) else None

    def lot_lists(self) -> Iterator[tuple[ParticipantData, str, Walk]]:
        """Every (participant, asset_id, lots walk) pair walked."""
        for participant in self.participants:
            for asset_id, walk in participant.lots.items():
                yield participant, asset_id, walk

    def lots_of_asset(self, asset_id: str) -> list[dict]:
        return [
            lot
            for _, a, walk in self.lot_lists()
            if a == asset_id
            for lot in walk.items
            if isinstance(lot, dict)
        ]

    @property
    def complete(self) -> bool:
        """Every asset, participant and lot was read (nothing cut by a walk limit)."""
        return (
            self.assets.complete
            and self.participants_walk.complete
            and all(walk.complete for _, _, walk in self.lot_lists())
        )

    def clock_moments(self) -> list[tuple[datetime, str]]:
        """Every walked lot's expiry and maturity moments with its id, in time order (parsed
        once: contracts ask for the unstable lots many times, on data walked once)."""
        if self._clock_moments is None:
            moments = []
            for _, _, walk in self.lot_lists():
                for lot in walk.items:
                    if not isinstance(lot, dict):
                        continue
                    for name in ("expires_at", "matures_at"):
                        moment = timestamps.parse(lot.get(name))
                        if moment is not None:
                            moments.append((moment, lot.get("id")))
            moments.sort(key=lambda pair: pair[0])
            self._clock_moments = moments
        return self._clock_moments

    def unstable_lot_ids(self, until: datetime | None = None) -> set[str]:
        """Lots whose expiry or maturity falls between the walk's start and ``until`` (now by
        default), widened by the clock skew: their status may differ between two requests
        (``invariants.lots.clock_sensitive``, found by bisection over :meth:`clock_moments`)."""
        end = until or datetime.now(UTC)
        moments = self.clock_moments()
        low = bisect_left(moments, self.started_at - self.target.skew, key=lambda m: m[0])
        high = bisect_right(moments, end + self.target.skew, key=lambda m: m[0])
        return {lot_id for _, lot_id in moments[low:high]}
