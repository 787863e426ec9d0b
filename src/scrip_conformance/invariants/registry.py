"""Per-response invariants by operationId, for checks that see one response at a time.

Every registered function is correct for ANY single response in isolation (2xx, 4xx, 5xx, for
any input): the fuzzing checks call them on every generated request. Checks that need several
requests (filters against the unfiltered list, recomputation from lots) stay in the contracts.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from scrip_conformance import spec_schemas
from scrip_conformance.invariants import (
    balances,
    errors,
    filters,
    liability,
    lots,
    pagination,
    schedule,
    timestamps,
)
from scrip_conformance.invariants._common import items, show, violation
from scrip_conformance.invariants.context import ResponseContext
from scrip_conformance.violations import Violation

Invariant = Callable[[ResponseContext], list[Violation]]

# Read from the spec (the one source of truth) on first use, not at import: importing the
# package stays cheap (`scrip-conformance --help` does not parse the spec).
LAZY = {
    "OPERATIONS": lambda: tuple(spec_schemas.operations()),  # every operationId, spec order
    "LIST_OPERATIONS": lambda: spec_schemas.operations_with_parameter("query", "cursor"),
    "RESPONSE_INVARIANTS": lambda: _build(),  # operationId -> its checks
}


@functools.cache
def lazy(name: str) -> Any:
    """The value of one of :data:`LAZY`'s names, computed once."""
    return LAZY[name]()


def __getattr__(name: str) -> Any:  # PEP 562: registry.OPERATIONS and friends, on first use
    if name in LAZY:
        return lazy(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _param(mapping: Any, name: str) -> str | None:
    value = mapping.get(name) if hasattr(mapping, "get") else None
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    return None if value is None else str(value)


def no_server_error(ctx: ResponseContext) -> list[Violation]:
    return errors.check_no_server_error(ctx.status_code)


def json_body(ctx: ResponseContext) -> list[Violation]:
    return errors.check_json_body(ctx.status_code, ctx.headers, ctx.has_json_body)


def error_body(ctx: ResponseContext) -> list[Violation]:
    return errors.check_error_body(ctx.status_code, ctx.body)


def rate_limit_headers(ctx: ResponseContext) -> list[Violation]:
    return errors.check_rate_limit_headers(ctx.status_code, ctx.headers)


def utc_timestamps(ctx: ResponseContext) -> list[Violation]:
    return errors.check_timestamps_utc(ctx.body) if 200 <= ctx.status_code < 300 else []


def list_envelope(ctx: ResponseContext) -> list[Violation]:
    if ctx.status_code != 200:
        return []
    return pagination.check_envelope(
        ctx.body, pagination.effective_limit(_param(ctx.query, "limit"))
    )


def lot_page(ctx: ResponseContext) -> list[Violation]:
    """Each lot on its own, the page's order, and the filters the request gave."""
    if ctx.status_code != 200:
        return []
    data = items(ctx.body)
    found: list[Violation] = []
    asset_id = _param(ctx.query, "asset_id")
    for lot in data:
        found += lots.check_lot(lot, asset_id=asset_id)
    found += lots.check_order(data)
    given = {name: _param(ctx.query, name) for name in filters.FILTER_CONTRACTS}
    found += filters.check_every_lot_matches(
        data, {k: v for k, v in given.items() if v is not None}
    )
    return found


def participant_detail(ctx: ResponseContext) -> list[Violation]:
    if ctx.status_code != 200 or not isinstance(ctx.body, dict):
        return []
    balance_rows = ctx.body.get("balances")
    rows = balance_rows if isinstance(balance_rows, list) else []
    found = balances.check_counters(ctx.body)
    found += balances.check_rows_sorted(rows, f"participant {ctx.body.get('id')}")
    for row in rows:
        found += balances.check_row_consistent_scale(row)
    return found


def balance_page(ctx: ResponseContext) -> list[Violation]:
    if ctx.status_code != 200:
        return []
    rows = items(ctx.body)
    found = balances.check_rows_sorted(rows)
    for row in rows:
        found += balances.check_row_consistent_scale(row)
    return found


def schedule_page(ctx: ResponseContext) -> list[Violation]:
    if ctx.status_code != 200:
        return []
    window_from = timestamps.parse(_param(ctx.query, "from"))
    window_to = timestamps.parse(_param(ctx.query, "to"))
    granularity = _param(ctx.query, "granularity") or "month"
    rows = items(ctx.body)
    found: list[Violation] = []
    for row in rows:
        found += schedule.check_row(
            row, window_from=window_from, window_to=window_to, granularity=granularity
        )
    asset_id = _param(ctx.query, "asset_id")
    others = [
        r.get("asset_id") for r in rows if isinstance(r, dict) and r.get("asset_id") != asset_id
    ]
    if asset_id is not None and others:
        found.append(
            violation(
                "SCHEDULE-FILTERS-RESTRICT",
                "asset_id filter returned other assets",
                f"only asset {asset_id}",
                f"also {show(others[:5])}",
            )
        )
    ids = [r.get("asset_id") for r in rows if isinstance(r, dict)]
    texts = [i for i in ids if isinstance(i, str)]
    if len(texts) == len(ids) and texts != sorted(set(texts)):
        found.append(
            violation(
                "SCHEDULE-ROWS-PER-LOT-ASSET",
                "schedule rows out of asset_id order or repeated",
                "one row per LOT asset, asset_id ascending",
                show(ids[:10]),
            )
        )
    return found


def liability_page(ctx: ResponseContext) -> list[Violation]:
    if ctx.status_code != 200:
        return []
    by_bucket = (_param(ctx.query, "by_bucket") or "false").lower() == "true"
    return liability.check_page(items(ctx.body), by_bucket)


def _build() -> dict[str, list[Invariant]]:
    common: list[Invariant] = [
        no_server_error,
        json_body,
        error_body,
        rate_limit_headers,
        utc_timestamps,
    ]
    registry = {operation: list(common) for operation in lazy("OPERATIONS")}
    for operation in lazy("LIST_OPERATIONS"):
        registry[operation].append(list_envelope)
    registry["listParticipantLots"].append(lot_page)
    registry["getParticipant"].append(participant_detail)
    registry["listParticipantBalances"].append(balance_page)
    registry["getExpirationSchedule"].append(schedule_page)
    registry["getLiabilityReport"].append(liability_page)
    return registry


def check_response(ctx: ResponseContext) -> list[Violation]:
    """Every registered invariant of ``ctx.operation_id`` (the common ones for unknown ids)."""
    found: list[Violation] = []
    invariants: dict[str, list[Invariant]] = lazy("RESPONSE_INVARIANTS")
    for check in invariants.get(ctx.operation_id, invariants["getAsset"][:5]):
        found += [v.found_by(check.__name__) for v in check(ctx)]
    return found


LOT_PAGE_ALONE = frozenset(
    {"LOT-REMAINING-LE-AMOUNT", "LOT-FINAL-HOLDS-NOTHING", "LOT-BELONGS-TO-ASSET"}
)
"""Contracts :func:`lot_page` judges on a lot page exactly as ``lots.check_lot`` does with the
walk's context (scale, clock): a walk's violation of one of them is :func:`lot_page`'s."""


def as_lot_page(violations: list[Violation]) -> list[Violation]:
    """``violations`` of ``lots.check_lot`` on a lot page, those :func:`lot_page` would find the
    same marked as its (so ``replay`` can re-apply it to the page)."""
    return [v.found_by("lot_page") if v.contract_id in LOT_PAGE_ALONE else v for v in violations]


def invariant_named(name: str) -> Invariant | None:
    """The registered invariant called ``name`` (what a violation's ``invariant`` names)."""
    invariants: dict[str, list[Invariant]] = lazy("RESPONSE_INVARIANTS")
    for checks in invariants.values():
        for check in checks:
            if check.__name__ == name:
                return check
    return None
