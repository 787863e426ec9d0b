"""Bursts of simultaneous writes, and the search for a serial order that explains them.

A burst sends its requests from one thread each, released together by a barrier. A correct
(serializable) target ends in the state some serial order of the requests produces, and each
answer is what that request gets at its place in that order (status, code, amounts and the
balance right after it). :func:`explain` searches the orders (depth first, pruning an order as
soon as one answer disagrees) on copies of the model.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Sequence
from contextvars import copy_context
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scrip_conformance import in_flight
from scrip_conformance.model import LedgerModel, Outcome, reconcile
from scrip_conformance.model.calendar import parse_timestamp
from scrip_conformance.model.judge import balance_violations, outcome_violations
from scrip_conformance.provisioning.sandbox import AssetRef
from scrip_conformance.provisioning.wire import HttpWire, Reply

OPERATION_METHODS = {"hold": "hold", "release": "release", "forfeit": "forfeit"}


@dataclass(frozen=True)
class BurstRequest:
    """One write of a burst: ``adjust``, ``hold``, ``release`` or ``forfeit`` with its body."""

    operation: str
    body: dict[str, Any] = field(hash=False)

    def signature(self) -> str:
        return self.operation + json.dumps(self.body, sort_keys=True)


def fire(wire: HttpWire, participant: str, requests: Sequence[BurstRequest]) -> list[Reply]:
    """Send every request at once (one thread each, released together); answers in order."""
    barrier = threading.Barrier(len(requests))
    replies: list[Reply | None] = [None] * len(requests)
    errors: list[BaseException] = []

    def send(i: int, request: BurstRequest) -> None:
        try:
            barrier.wait(timeout=30)
            path = f"/v1/participants/{participant}/balances/{request.operation}"
            replies[i] = wire.post(path, request.body)
        except BaseException as exc:  # reported after the join, never lost in a thread
            errors.append(exc)

    with in_flight.exempt():  # the burst's requests reach the target together, by design
        threads = [
            # each in a copy of the caller's context: a side-by-side scenario's meter follows
            threading.Thread(target=copy_context().run, args=(send, i, r), daemon=True)
            for i, r in enumerate(requests)
        ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    return [r for r in replies if r is not None]


def apply(
    model: LedgerModel, participant: str, asset: AssetRef, request: BurstRequest, now: datetime
) -> Outcome:
    """The model's outcome of one burst request."""
    body = request.body
    program = body["program_id"]
    if request.operation == "adjust":
        return model.adjust(
            participant,
            asset.id,
            program,
            body["type"],
            body["amount"],
            now,
            bucket=body.get("bucket", "AVAILABLE"),
            allow_negative=bool(body.get("allow_negative")),
            idempotency_key=body.get("idempotency_key"),
        )
    kwargs: dict[str, Any] = {
        "amount": body.get("amount"),
        "reference_id": body.get("reference_id"),
        "idempotency_key": body.get("idempotency_key"),
        "lot_ids": body.get("lot_ids"),
        "earned_from": _when(body.get("earned_from")),
        "earned_to": _when(body.get("earned_to")),
    }
    if request.operation == "forfeit":
        kwargs["bucket"] = body.get("bucket")
    method = getattr(model, OPERATION_METHODS[request.operation])
    return method(participant, asset.id, program, now, **kwargs)


def _when(text: str | None) -> datetime | None:
    return parse_timestamp(text) if text else None


@dataclass
class Explanation:
    """A serial order that explains a burst (indexes into the request list), if any."""

    order: list[int] | None
    orders_tried: int


def explain(
    model: LedgerModel,
    participant: str,
    asset: AssetRef,
    requests: Sequence[BurstRequest],
    replies: Sequence[Reply],
    final_lots: Sequence[dict],
    final_balance: Any,
    now: datetime,
    contract: str,
) -> Explanation:
    """Search a serial order whose answers and final state equal what the target showed."""
    tried = 0

    def final_state_matches(candidate: LedgerModel) -> bool:
        if asset.inventory_mode == "LOT":
            probe = copy.deepcopy(candidate)
            if reconcile(probe, participant, asset.id, final_lots, now):
                return False
        expected = candidate.balance(participant, asset.id, now)
        return not balance_violations(contract, expected, final_balance, asset.scale)

    def search(state: LedgerModel, left: list[int], order: list[int]) -> list[int] | None:
        nonlocal tried
        if not left:
            tried += 1
            return order if final_state_matches(state) else None
        seen: set[tuple[str, int, str]] = set()
        for i in left:
            reply = replies[i]
            key = (requests[i].signature(), reply.status, json.dumps(reply.body, sort_keys=True))
            if key in seen:
                continue
            seen.add(key)
            branch = copy.deepcopy(state)
            outcome = apply(branch, participant, asset, requests[i], now)
            if outcome_violations(contract, outcome, reply.status, reply.body, asset.scale):
                continue
            found = search(branch, [j for j in left if j != i], [*order, i])
            if found is not None:
                return found
        return None

    order = search(copy.deepcopy(model), list(range(len(requests))), [])
    return Explanation(order, tried)
