"""The ledger model: predicts lots, balances and outcomes of every write, exactly, without I/O.

Every operation takes ``now``, the request time, because lot state follows the clock (D-CLOCK).
Amounts are ``Decimal`` values exact at the asset's scale; request amounts are passed as the
strings sent on the wire so that D-AMOUNT-IN (``invalid_scale`` ...) is predicted too.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from scrip_conformance.model.amounts import AmountError, parse_amount
from scrip_conformance.model.calendar import as_utc
from scrip_conformance.model.positions import (
    AVAILABLE,
    CONSUMED,
    DEFERRED,
    EXPIRED,
    HELD,
    LIVE,
    LOT,
    PLACEHOLDER_PREFIX,
    SIMPLE,
    AssetState,
    Balance,
    Lot,
    LotView,
    Outcome,
    Position,
    follow_clock,
    refused,
    selected_lots,
    settle,
)
from scrip_conformance.model.replays import Replays, replay_payload
from scrip_conformance.model.simple import adjust_simple, simple_balance, simple_operation

SOON = timedelta(days=1)
"""How near a selected lot's expiry or maturity makes :meth:`LedgerModel.lots_to_read` read
the lots first (it may pass before the target serves the operation); a lot dated years ahead
cannot, and needs no read for that."""

__all__ = [  # the model's records are imported from here by its users
    "AVAILABLE", "CONSUMED", "DEFERRED", "EXPIRED", "HELD", "LIVE", "LOT", "PLACEHOLDER_PREFIX",
    "SIMPLE", "Balance", "LedgerModel", "LotView", "Outcome",
]  # fmt: skip


class LedgerModel:
    """The expected state of a Scrip ledger under the spec's decisions.

    Register assets with :meth:`add_asset`, then apply the writes the target received, in
    order, with the request time of each. Read the predictions with :meth:`lots`,
    :meth:`balance` and :meth:`expiration_schedule`.
    """

    def __init__(self) -> None:
        self._assets: dict[str, AssetState] = {}
        self._positions: dict[tuple[str, str], Position] = {}
        self._inactive: dict[str, str] = {}
        self._replays = Replays()
        self._active: set[tuple[str, str]] = set()
        self._families = itertools.count(1)
        self._placeholders = itertools.count(1)

    # -- configuration -------------------------------------------------------------------

    def add_asset(
        self,
        asset_id: str,
        *,
        inventory_mode: str = LOT,
        scale: int = 2,
        max_transaction_amount: str | Decimal | None = None,
        name: str = "",
        symbol: str = "",
    ) -> None:
        ceiling = Decimal(max_transaction_amount) if max_transaction_amount is not None else None
        self._assets[asset_id] = AssetState(
            asset_id, inventory_mode, scale, ceiling, name=name, symbol=symbol
        )

    def knows_asset(self, asset_id: str) -> bool:
        return asset_id in self._assets

    def set_max_transaction_amount(self, asset_id: str, value: str | Decimal | None) -> None:
        self._assets[asset_id].max_transaction_amount = (
            Decimal(value) if value is not None else None
        )

    def archive_asset(self, asset_id: str) -> None:
        self._assets[asset_id].archived = True

    def set_participant_status(self, participant_id: str, status: str) -> None:
        """ACTIVE, SUSPENDED or CLOSED: only ACTIVE ones take adjust, hold and release.

        Forfeit and void-hold are allowed whatever the status (documented for CLOSED).
        """
        if status == "ACTIVE":
            self._inactive.pop(participant_id, None)
        else:
            self._inactive[participant_id] = status

    def scale(self, asset_id: str) -> int:
        return self._assets[asset_id].scale

    def asset_ids(self) -> list[str]:
        return list(self._assets)

    # -- reads ---------------------------------------------------------------------------

    def lots(self, participant_id: str, asset_id: str, now: datetime) -> list[LotView]:
        """Every lot of the participant in the asset, in D-ORDER (FIFO) order, at ``now``."""
        pos = self._position(participant_id, asset_id, now)
        return [lot.view() for lot in pos.ordered()]

    def balance(self, participant_id: str, asset_id: str, now: datetime) -> Balance:
        return self._balance(self._position(participant_id, asset_id, now), asset_id)

    def knows_key(self, program_id: str, key: str) -> bool:
        """Whether a write with idempotency ``key`` is answered from a stored first outcome (a
        replay, or a conflict for another payload): its answer depends on no lot."""
        return self._replays.knows(program_id, key)

    def has_activity(self, participant_id: str, asset_id: str) -> bool:
        """Whether a write moved value for the participant in the asset (a balance row exists)."""
        return (participant_id, asset_id) in self._active

    def lots_to_read(
        self,
        participant_id: str,
        asset_id: str,
        now: datetime,
        operation: str,
        *,
        amount: str | None = None,
        lot_ids: Sequence[str] | None = None,
        earned_from: datetime | None = None,
        earned_to: datetime | None = None,
        reference_id: str | None = None,
        bucket: str | None = None,
    ) -> bool:
        """Whether a balance operation's prediction needs the server's ids and ``created_at``
        of lots the model knows by a placeholder only (a read of the lots first). Not when it
        takes none of them and none may come before a lot it takes, nor when the lots it takes
        are new credits the answer's ``lots_processed`` names unambiguously (see
        :meth:`adopt_processed`): each later than every lot of the position with a server id
        and apart from the other placeholders (its own ``created_at``, its own content). Always
        when the lots are selected by time or a selected lot may mature or expire meanwhile
        (within :data:`SOON`)."""
        pos = self._positions.get((participant_id, asset_id))
        if pos is None or not any(_placeholder(lot) for lot in pos.lots):
            return False
        refused = operation in ("hold", "release") and participant_id in self._inactive
        if self._assets[asset_id].archived or refused:
            return False  # refused whatever the lots: the answer names none
        if earned_from is not None or earned_to is not None:
            return True
        source = {"hold": AVAILABLE, "release": HELD, "void-hold": HELD}.get(operation, bucket)
        selected = selected_lots(pos, source, operation, lot_ids, None, None, reference_id)
        soon = as_utc(now) + SOON
        dates = [d for lot in selected for d in (lot.expires_at, lot.matures_at) if d]
        if any(as_utc(d) <= soon for d in dates):
            return True
        try:
            left = parse_amount(amount, self._assets[asset_id].scale) if amount else None
        except AmountError:
            left = None
        walked = []
        for lot in selected:
            if left is not None and left <= 0:
                break
            walked.append(lot)
            if left is not None:
                left -= lot.remaining
        if not walked:
            return False
        latest = max(lot.created_at for lot in walked)
        unknown = [lot for lot in selected if _placeholder(lot)]
        if any(lot not in walked and lot.created_at <= latest for lot in unknown):
            return True  # a placeholder the server may order before a lot taken
        known = [lot.created_at for lot in pos.lots if not _placeholder(lot)]
        others = [lot for lot in pos.lots if _placeholder(lot)]
        for lot in walked:
            if not _placeholder(lot):
                continue
            if known and lot.created_at <= max(known):
                return True  # its client-side created_at may misorder it (clock offset)
            alike = [
                o
                for o in others
                if o.created_at == lot.created_at
                or (o.amount, o.remaining) == (lot.amount, lot.remaining)
            ]
            if alike != [lot]:
                return True  # the answer could not tell it from another placeholder
        return False

    def adopt_processed(
        self, participant_id: str, asset_id: str, expected: Outcome, answered: Any
    ) -> Outcome:
        """``expected`` with the server's ids for the placeholders its ``lots_processed``
        names, taken from the answer's ``lots_processed`` row at the same position where the
        amounts agree and the id is new to the model (which adopts them); otherwise unchanged,
        for the judge to report the difference."""
        named = expected.lots_processed
        if not named or not any(i.startswith(PLACEHOLDER_PREFIX) for i, _ in named):
            return expected
        rows = answered.get("lots_processed") if isinstance(answered, dict) else None
        if not isinstance(rows, list) or len(rows) != len(named):
            return expected
        pos = self._positions.get((participant_id, asset_id))
        taken = {lot.id for lot in pos.lots} if pos else set()
        ids: dict[str, str] = {}
        for (model_id, value), row in zip(named, rows, strict=True):
            server_id = str(row.get("id")) if isinstance(row, dict) else ""
            try:
                same = isinstance(row, dict) and Decimal(str(row.get("amount"))) == value
            except ArithmeticError:
                same = False
            if not same:
                return expected
            if model_id.startswith(PLACEHOLDER_PREFIX):
                if server_id in taken or server_id in ids.values() or not server_id:
                    return expected
                ids[model_id] = server_id
            elif server_id != model_id:
                return expected
        self.rebind(participant_id, asset_id, ids)
        processed = tuple((ids.get(i, i), value) for i, value in named)
        return replace(expected, lots_processed=processed)

    def outstanding_lots(
        self, asset_id: str, now: datetime, program_id: str | None = None
    ) -> list[LotView]:
        """AVAILABLE, HELD and DEFERRED lots with remaining > 0 of every participant."""
        found = []
        for (participant_id, aid), _pos in list(self._positions.items()):
            if aid != asset_id:
                continue
            for lot in self._position(participant_id, aid, now).ordered():
                if lot.status in LIVE and lot.remaining > 0:
                    if program_id is None or lot.program_id == program_id:
                        found.append(lot.view())
        return found

    # -- writes --------------------------------------------------------------------------

    def adjust(
        self,
        participant_id: str,
        asset_id: str,
        program_id: str,
        type: str,
        amount: str,
        now: datetime,
        *,
        bucket: str = AVAILABLE,
        allow_negative: bool = False,
        expires_at: datetime | None = None,
        matures_at: datetime | None = None,
        reference_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Outcome:
        """CREDIT or DEBIT (adjust); ``processed`` lists the lots a debit drew from."""
        payload = replay_payload(
            "adjust",
            participant_id,
            asset_id=asset_id,
            program_id=program_id,
            type=type,
            amount=amount,
            bucket=bucket,
            allow_negative=allow_negative or None,
            expires_at=expires_at,
            matures_at=matures_at,
            reference_id=reference_id,
        )
        asset = self._assets[asset_id]
        try:
            value = parse_amount(amount, asset.scale)
        except AmountError as exc:
            return refused(400, exc.code)
        if allow_negative and (type == "CREDIT" or bucket == HELD):
            return refused(400, "validation_error")
        extension = expires_at is not None or matures_at is not None or reference_id is not None
        if extension and (type != "CREDIT" or asset.inventory_mode != LOT):
            return refused(400, "validation_error")
        if expires_at and matures_at and not as_utc(expires_at) > as_utc(matures_at):
            return refused(400, "validation_error")
        if reference_id is not None and bucket != HELD:
            return refused(400, "validation_error")
        if matures_at is not None and bucket != AVAILABLE:
            return refused(400, "validation_error")

        def apply() -> Outcome:
            if participant_id in self._inactive:
                return refused(422, "participant_inactive")
            if asset.max_transaction_amount is not None and value > asset.max_transaction_amount:
                return refused(422, "max_transaction_amount_exceeded")
            pos = self._position(participant_id, asset_id, now)
            if asset.inventory_mode == SIMPLE:
                return adjust_simple(pos, type, value, bucket, allow_negative)
            if type == "CREDIT":
                self._credit(
                    pos, program_id, value, now, bucket, expires_at, matures_at, reference_id
                )
                return Outcome(200, amount_processed=value, balance=self._balance(pos, asset_id))
            return self._debit(pos, asset_id, value, bucket, allow_negative)

        return self._idempotent(idempotency_key, program_id, payload, asset, apply, participant_id)

    def hold(
        self,
        participant_id: str,
        asset_id: str,
        program_id: str,
        now: datetime,
        *,
        amount: str | None = None,
        lot_ids: Sequence[str] | None = None,
        earned_from: datetime | None = None,
        earned_to: datetime | None = None,
        reference_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Outcome:
        """Move AVAILABLE value to HELD, oldest first, splitting a lot taken in part."""
        payload = replay_payload(
            "hold",
            participant_id,
            asset_id=asset_id,
            program_id=program_id,
            amount=amount,
            lot_ids=lot_ids,
            earned_from=earned_from,
            earned_to=earned_to,
            reference_id=reference_id,
        )
        return self._balance_operation(
            "hold",
            participant_id,
            asset_id,
            program_id,
            now,
            amount,
            lot_ids,
            earned_from,
            earned_to,
            reference_id,
            None,
            idempotency_key,
            payload,
        )

    def release(
        self,
        participant_id: str,
        asset_id: str,
        program_id: str,
        now: datetime,
        *,
        amount: str | None = None,
        lot_ids: Sequence[str] | None = None,
        earned_from: datetime | None = None,
        earned_to: datetime | None = None,
        reference_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Outcome:
        """Move HELD value back to AVAILABLE, oldest first; released lots lose reference_id."""
        payload = replay_payload(
            "release",
            participant_id,
            asset_id=asset_id,
            program_id=program_id,
            amount=amount,
            lot_ids=lot_ids,
            earned_from=earned_from,
            earned_to=earned_to,
            reference_id=reference_id,
        )
        return self._balance_operation(
            "release",
            participant_id,
            asset_id,
            program_id,
            now,
            amount,
            lot_ids,
            earned_from,
            earned_to,
            reference_id,
            None,
            idempotency_key,
            payload,
        )

    def forfeit(
        self,
        participant_id: str,
        asset_id: str,
        program_id: str,
        now: datetime,
        *,
        bucket: str | None,
        amount: str | None = None,
        lot_ids: Sequence[str] | None = None,
        earned_from: datetime | None = None,
        earned_to: datetime | None = None,
        reference_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Outcome:
        """Take value out of ``bucket`` to breakage; lots are reduced, never split."""
        payload = replay_payload(
            "forfeit",
            participant_id,
            asset_id=asset_id,
            program_id=program_id,
            amount=amount,
            bucket=bucket,
            lot_ids=lot_ids,
            earned_from=earned_from,
            earned_to=earned_to,
            reference_id=reference_id,
        )
        if bucket not in (AVAILABLE, HELD):
            return refused(400, "validation_error")
        return self._balance_operation(
            "forfeit",
            participant_id,
            asset_id,
            program_id,
            now,
            amount,
            lot_ids,
            earned_from,
            earned_to,
            reference_id,
            bucket,
            idempotency_key,
            payload,
        )

    def void_hold(
        self,
        participant_id: str,
        asset_id: str,
        program_id: str,
        now: datetime,
        *,
        reference_id: str | None,
        idempotency_key: str | None = None,
    ) -> Outcome:
        """Cancel provisional HELD lots (credited straight into HELD) stamped ``reference_id``."""
        payload = replay_payload(
            "void-hold",
            participant_id,
            asset_id=asset_id,
            program_id=program_id,
            reference_id=reference_id,
        )
        if reference_id is None or self._assets[asset_id].inventory_mode != LOT:
            return refused(400, "validation_error")
        return self._balance_operation(
            "void-hold",
            participant_id,
            asset_id,
            program_id,
            now,
            None,
            None,
            None,
            None,
            reference_id,
            None,
            idempotency_key,
            payload,
        )

    # -- identity of lots ----------------------------------------------------------------

    def rebind(
        self,
        participant_id: str,
        asset_id: str,
        ids: dict[str, str],
        created_at: dict[str, datetime] | None = None,
    ) -> None:
        """Adopt the server's ids (model id -> server id) and creation times of lots (in the
        stored outcomes of keyed writes too)."""
        if ids:
            self._replays.rebind(ids)
        pos = self._positions.get((participant_id, asset_id))
        if pos is None:
            return
        for lot in pos.lots:
            new_id = ids.get(lot.id, lot.id)
            if created_at and lot.id in created_at:
                lot.created_at = created_at[lot.id]
            lot.id = new_id

    # -- internals -----------------------------------------------------------------------

    def _new_id(self) -> str:
        return f"{PLACEHOLDER_PREFIX}{next(self._placeholders):012d}"

    def _position(self, participant_id: str, asset_id: str, now: datetime) -> Position:
        pos = self._positions.setdefault((participant_id, asset_id), Position())
        follow_clock(pos, as_utc(now))
        return pos

    def _balance(self, pos: Position, asset_id: str) -> Balance:
        if self._assets[asset_id].inventory_mode == SIMPLE:
            return simple_balance(pos)
        sums = {AVAILABLE: Decimal(0), HELD: Decimal(0), DEFERRED: Decimal(0)}
        for lot in pos.lots:
            if lot.status in sums:
                sums[lot.status] += lot.remaining
        return Balance(sums[AVAILABLE] - pos.overdraft, sums[HELD], sums[DEFERRED])

    def _credit(
        self,
        pos: Position,
        program_id: str,
        value: Decimal,
        now: datetime,
        bucket: str,
        expires_at: datetime | None,
        matures_at: datetime | None,
        reference_id: str | None,
    ) -> None:
        deferred = matures_at is not None and as_utc(matures_at) > as_utc(now)
        status = DEFERRED if deferred else bucket
        lot = Lot(
            id=self._new_id(),
            family=next(self._families),
            program_id=program_id,
            amount=value,
            remaining=value,
            status=status,
            created_at=as_utc(now),
            reference_id=reference_id,
            expires_at=as_utc(expires_at) if expires_at else None,
            matures_at=as_utc(matures_at) if matures_at else None,
            provisional=status == HELD and reference_id is not None,
        )
        pos.lots.append(lot)
        if status == AVAILABLE:
            settle(pos, [lot])

    def _debit(
        self, pos: Position, asset_id: str, value: Decimal, bucket: str, allow_negative: bool
    ) -> Outcome:
        lots = [lot for lot in pos.ordered(bucket) if lot.remaining > 0]
        have = sum((lot.remaining for lot in lots), Decimal(0))
        if bucket == AVAILABLE:
            have -= pos.overdraft
        if value > have and not allow_negative:
            return refused(422, "insufficient_balance")
        need = value
        for lot in lots:
            take = min(need, lot.remaining)
            lot.remaining -= take
            need -= take
            if lot.remaining == 0:
                lot.status = CONSUMED
            if need == 0:
                break
        pos.overdraft += need
        return Outcome(200, amount_processed=value, balance=self._balance(pos, asset_id))

    def _balance_operation(
        self,
        operation: str,
        participant_id: str,
        asset_id: str,
        program_id: str,
        now: datetime,
        amount: str | None,
        lot_ids: Sequence[str] | None,
        earned_from: datetime | None,
        earned_to: datetime | None,
        reference_id: str | None,
        bucket: str | None,
        idempotency_key: str | None,
        payload: dict,
    ) -> Outcome:
        asset = self._assets[asset_id]
        value = None
        if amount is not None:
            try:
                value = parse_amount(amount, asset.scale)
            except AmountError as exc:
                return refused(400, exc.code)
        lot_filters = lot_ids is not None or earned_from is not None or earned_to is not None
        if asset.inventory_mode == SIMPLE and (lot_filters or reference_id is not None):
            return refused(400, "validation_error")
        if earned_from and earned_to and as_utc(earned_to) < as_utc(earned_from):
            return refused(400, "validation_error")

        def apply() -> Outcome:
            if participant_id in self._inactive and operation in ("hold", "release"):
                return refused(422, "participant_inactive")
            pos = self._position(participant_id, asset_id, now)
            if asset.inventory_mode == SIMPLE:
                return simple_operation(pos, operation, value, bucket)
            source = {"hold": AVAILABLE, "release": HELD, "void-hold": HELD}.get(operation, bucket)
            selected = selected_lots(
                pos, source, operation, lot_ids, earned_from, earned_to, reference_id
            )
            have = sum((lot.remaining for lot in selected), Decimal(0))
            if operation == "hold" and source == AVAILABLE and pos.overdraft > 0:
                have = Decimal(0)
            if value is not None and value > have:
                return refused(422, "insufficient_balance")
            need = have if value is None else value
            processed, entered = self._take(pos, selected, need, operation, reference_id)
            if operation == "release":
                settle(pos, entered)
            total = sum((p[1] for p in processed), Decimal(0))
            return Outcome(
                200,
                amount_processed=total,
                lots_processed=tuple(processed),
                balance=self._balance(pos, asset_id),
            )

        return self._idempotent(idempotency_key, program_id, payload, asset, apply, participant_id)

    def _take(
        self,
        pos: Position,
        selected: list[Lot],
        need: Decimal,
        operation: str,
        reference_id: str | None,
    ) -> tuple[list[tuple[str, Decimal]], list[Lot]]:
        """Take ``need`` from the selected lots in order: forfeit and void-hold consume it, hold
        and release move it (a lot taken in part is split). The lots processed, with what was
        taken of each, and the lots that entered their new bucket."""
        processed: list[tuple[str, Decimal]] = []
        entered: list[Lot] = []
        for lot in selected:
            if need == 0:
                break
            take = min(need, lot.remaining)
            need -= take
            processed.append((lot.id, take))
            if operation in ("forfeit", "void-hold"):
                lot.remaining -= take
                if lot.remaining == 0:
                    lot.status = CONSUMED
                continue
            target = HELD if operation == "hold" else AVAILABLE
            new_ref = reference_id if operation == "hold" else None
            if take == lot.remaining:
                moved = lot
                lot.status = target
                lot.reference_id = new_ref
                lot.provisional = False
            else:
                lot.remaining -= take
                moved = replace(
                    lot,
                    id=self._new_id(),
                    amount=take,
                    remaining=take,
                    status=target,
                    reference_id=new_ref,
                    provisional=False,
                )
                pos.lots.append(moved)
            entered.append(moved)
        return processed, entered

    def _idempotent(
        self,
        key: str | None,
        program_id: str,
        payload: dict,
        asset: AssetState,
        apply: Callable[[], Outcome],
        participant_id: str,
    ) -> Outcome:
        """D-IDEMPOTENCY: a replay returns the original outcome; another payload is a 409."""
        if key is not None:
            replayed = self._replays.answer(program_id, key, payload)
            if replayed is not None:
                return replayed
        if asset.archived:
            return refused(422, "asset_archived")
        outcome = apply()
        if outcome.ok and outcome.amount_processed:
            self._active.add((participant_id, asset.id))
        if key is not None and outcome.ok:
            self._replays.record(program_id, key, payload, outcome)
        return outcome


def _placeholder(lot: Lot) -> bool:
    return lot.id.startswith(PLACEHOLDER_PREFIX)
