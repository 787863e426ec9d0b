"""A write session: every write goes to the target and to the model, and is judged at once.

Each call names the contract it serves; a difference between the target's answer (status,
error code, processed amounts, balance) and the model's prediction raises
:class:`~scrip_conformance.violations.ContractFailure` naming that contract and the request.
``check_lots`` / ``check_balance`` compare reads with the model (and adopt server lot ids).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from scrip_conformance.model import LedgerModel, Outcome
from scrip_conformance.model.calendar import parse_timestamp
from scrip_conformance.model.judge import (
    balance_violations,
    lot_violations,
    outcome_violations,
    schedule_violations,
)
from scrip_conformance.model.ledger import PLACEHOLDER_PREFIX
from scrip_conformance.model.schedule import expiration_schedule
from scrip_conformance.provisioning.sandbox import AssetRef, RunAssets, Sandbox
from scrip_conformance.provisioning.wire import HttpWire, Reply
from scrip_conformance.violations import ContractFailure, Violation, raise_if_any
from scrip_conformance.witnesses import MODEL_CHECKS

Window = tuple[datetime, datetime, str]
"""A schedule window: from, to and granularity."""
OPERATIONS = {"hold": "hold", "release": "release", "forfeit": "forfeit", "void-hold": "void_hold"}


def utc_now() -> datetime:
    return datetime.now(UTC)


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LedgerSession:
    """Drives one target and one model in lock-step."""

    def __init__(
        self,
        wire: HttpWire,
        sandbox: Sandbox | None = None,
        model: LedgerModel | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.wire = wire
        self.model = model or (sandbox.model if sandbox else LedgerModel())
        self.sandbox = sandbox or Sandbox(wire, self.model)
        self.clock = clock
        # whether :meth:`checkpoint` reads the state (False: the test's final check proves it)
        self.every_write = True

    @property
    def program_id(self) -> str:
        return self.sandbox.program_id

    # -- writes --------------------------------------------------------------------------

    def adjust(
        self,
        contract: str,
        participant: str,
        asset: AssetRef,
        type: str,
        amount: str,
        *,
        bucket: str | None = None,
        allow_negative: bool | None = None,
        expires_at: datetime | None = None,
        matures_at: datetime | None = None,
        reference_id: str | None = None,
        idempotency_key: str | None = None,
        judge: bool = True,
    ) -> tuple[Reply, Outcome]:
        body: dict[str, Any] = {
            "program_id": self.program_id,
            "asset_id": asset.id,
            "type": type,
            "amount": amount,
            "description": f"scrip-conformance {contract}",
        }
        optional = {
            "bucket": bucket,
            "allow_negative": allow_negative,
            "expires_at": rfc3339(expires_at) if expires_at else None,
            "matures_at": rfc3339(matures_at) if matures_at else None,
            "reference_id": reference_id,
            "idempotency_key": idempotency_key,
        }
        body.update({k: v for k, v in optional.items() if v is not None})
        now = self.clock()
        reply = self.wire.post(f"/v1/participants/{participant}/balances/adjust", body)
        expected = self.model.adjust(
            participant,
            asset.id,
            self.program_id,
            type,
            amount,
            now,
            bucket=bucket or "AVAILABLE",
            allow_negative=bool(allow_negative),
            expires_at=expires_at,
            matures_at=matures_at,
            reference_id=reference_id,
            idempotency_key=idempotency_key,
        )
        if judge:
            self.judge(contract, expected, reply, asset)
        return reply, expected

    def operation(
        self,
        contract: str,
        name: str,
        participant: str,
        asset: AssetRef,
        *,
        amount: str | None = None,
        bucket: str | None = None,
        lot_ids: Sequence[str] | None = None,
        earned_from: datetime | None = None,
        earned_to: datetime | None = None,
        reference_id: str | None = None,
        idempotency_key: str | None = None,
        judge: bool = True,
    ) -> tuple[Reply, Outcome]:
        """hold, release, forfeit or void-hold, with the fields given."""
        body: dict[str, Any] = {
            "program_id": self.program_id,
            "asset_id": asset.id,
            "description": f"scrip-conformance {contract}",
        }
        optional = {
            "amount": amount,
            "bucket": bucket,
            "lot_ids": list(lot_ids) if lot_ids is not None else None,
            "earned_from": rfc3339(earned_from) if earned_from else None,
            "earned_to": rfc3339(earned_to) if earned_to else None,
            "reference_id": reference_id,
            "idempotency_key": idempotency_key,
        }
        body.update({k: v for k, v in optional.items() if v is not None})
        if judge:  # unjudged, the prediction's lot ids are never compared: no read for them
            self.sync(contract, participant, asset, name, body)
        now = self.clock()
        reply = self.wire.post(f"/v1/participants/{participant}/balances/{name}", body)
        expected = self.predict(name, participant, asset, now, body)
        if judge and not self.every_write and reply.status == 200:
            expected = self.model.adopt_processed(participant, asset.id, expected, reply.body)
        if judge:
            self.judge(contract, expected, reply, asset)
        return reply, expected

    def predict(
        self, name: str, participant: str, asset: AssetRef, now: datetime, body: dict[str, Any]
    ) -> Outcome:
        """Apply a balance operation (as sent in ``body``) to the model."""
        kwargs: dict[str, Any] = {"reference_id": body.get("reference_id")}
        kwargs["idempotency_key"] = body.get("idempotency_key")
        if name != "void-hold":
            kwargs.update(
                amount=body.get("amount"),
                lot_ids=body.get("lot_ids"),
                earned_from=_parse(body.get("earned_from")),
                earned_to=_parse(body.get("earned_to")),
            )
        if name == "forfeit":
            kwargs["bucket"] = body.get("bucket")
        method = getattr(self.model, OPERATIONS[name])
        return method(participant, asset.id, self.program_id, now, **kwargs)

    def judge(self, contract: str, expected: Outcome, reply: Reply, asset: AssetRef) -> None:
        found = outcome_violations(contract, expected, reply.status, reply.body, asset.scale)
        MODEL_CHECKS.add(contract, "write answers compared with the model")
        raise_if_any(found, reply.curl)

    # -- reads ---------------------------------------------------------------------------

    def sync(
        self,
        contract: str,
        participant: str,
        asset: AssetRef,
        name: str | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        """Check the lots when the model still has lots without a server id (so that the
        next prediction's ``lots_processed`` names the server's ids). When the budget checks
        at the end only, given the operation ``name`` and its ``body``, only when its prediction
        depends on those lots (:meth:`LedgerModel.lots_to_read`): the ids of new credits it
        takes are then read from its answer, and the final check still reads every lot. A key
        used before is answered from its first outcome (or 409): no read then."""
        if asset.inventory_mode != "LOT" or not self.model.has_activity(participant, asset.id):
            return
        now = self.clock()
        lots = self.model.lots(participant, asset.id, now)
        if not any(lot.id.startswith(PLACEHOLDER_PREFIX) for lot in lots):
            return
        if not self.every_write and name and body:
            key = body.get("idempotency_key")
            if key and self.model.knows_key(self.program_id, key):
                return
            needed = self.model.lots_to_read(
                participant,
                asset.id,
                now,
                name,
                amount=body.get("amount"),
                lot_ids=body.get("lot_ids"),
                earned_from=_parse(body.get("earned_from")),
                earned_to=_parse(body.get("earned_to")),
                reference_id=body.get("reference_id"),
                bucket=body.get("bucket"),
            )
            if not needed:
                return
        self.check_lots(contract, participant, asset)

    def lots(
        self, participant: str, asset: AssetRef, first: Reply | None = None, **filters: Any
    ) -> tuple[list, Reply]:
        """Every lot (``first``: the answer to :meth:`lots_read`, already read)."""
        path, query = self.lots_read(participant, asset, **filters)
        query.pop("limit")
        return self.wire.list_all(path, first=first, **query)

    def lots_read(self, participant: str, asset: AssetRef, **filters: Any) -> tuple[str, dict]:
        """The read of the first page of :meth:`lots` (to send it with other reads)."""
        path = f"/v1/participants/{participant}/balances/lots"
        return self.wire.first_page(path, asset_id=asset.id, **filters)

    def balance_read(self, participant: str, asset: AssetRef) -> tuple[str, dict]:
        """The read of :meth:`read_balance` (to send it with other reads)."""
        return f"/v1/participants/{participant}/balances", {"asset_id": asset.id}

    def check_lots(
        self,
        contract: str,
        participant: str,
        asset: AssetRef,
        first: Reply | None = None,
        now: datetime | None = None,
    ) -> list[dict]:
        """Every lot against the model (content, FIFO order); adopts the server's lot ids.
        ``first`` and ``now``: the first page, read at ``now`` with other reads."""
        now = now or self.clock()
        rows, reply = self.lots(participant, asset, first=first)
        if reply.status != 200:
            raise ContractFailure(
                [
                    Violation(
                        contract,
                        "the lots could not be listed",
                        "200",
                        f"{reply.status} {str(reply.body)[:300]}",
                        request=reply.curl,
                    )
                ]
            )
        found = lot_violations(contract, self.model, participant, asset.id, rows, now)
        MODEL_CHECKS.add(contract, "lot lists compared with the model")
        raise_if_any(found, reply.curl)
        return rows

    def read_balance(
        self, participant: str, asset: AssetRef, reply: Reply | None = None
    ) -> tuple[Any, Reply]:
        """The asset's balance row (``reply``: the answer to :meth:`balance_read`, already
        read) and the answer it came from."""
        if reply is None:
            path, query = self.balance_read(participant, asset)
            reply = self.wire.get(path, **query)
        row = None
        if reply.status == 200 and isinstance(reply.body, dict):
            for candidate in reply.body.get("data") or []:
                if isinstance(candidate, dict) and candidate.get("asset_id") == asset.id:
                    row = candidate
        return row, reply

    def check_balance(
        self,
        contract: str,
        participant: str,
        asset: AssetRef,
        read: Reply | None = None,
        now: datetime | None = None,
    ) -> None:
        """The balance row against the model; no row at all while nothing was ever moved.
        ``read`` and ``now``: the balances answer, read at ``now`` with other reads."""
        row, reply = self.read_balance(participant, asset, read)
        if reply.status != 200:
            raise ContractFailure(
                [
                    Violation(
                        contract,
                        "the balances could not be listed",
                        "200",
                        f"{reply.status} {str(reply.body)[:300]}",
                        request=reply.curl,
                    )
                ]
            )
        if not self.model.has_activity(participant, asset.id):
            if row is not None:
                raise ContractFailure(
                    [
                        Violation(
                            contract,
                            "a balance row for an asset without ledger activity",
                            "no row",
                            repr(row),
                            "balance row",
                            reply.curl,
                        )
                    ]
                )
            return
        expected = self.model.balance(participant, asset.id, now or self.clock())
        found = balance_violations(contract, expected, row, asset.scale, "balance row")
        MODEL_CHECKS.add(contract, "balance rows compared with the model")
        raise_if_any(found, reply.curl)

    def check(
        self,
        contract: str,
        participant: str,
        asset: AssetRef,
        schedules: Sequence[Window] = (),
    ) -> None:
        """Lots (LOT assets) and the balance row against the model, and the asset's schedule
        in each of ``schedules``: the reads sent together, judged in this order."""
        self.check_all(contract, [(participant, asset)], schedules)

    def check_all(
        self,
        contract: str,
        positions: Sequence[tuple[str, AssetRef]],
        schedules: Sequence[Window] = (),
    ) -> None:
        """:meth:`check` of each (participant, asset) in turn, and the schedule of the last
        asset in each of ``schedules``: every read sent together, judged in this order."""
        now = self.clock()
        reads = []
        for participant, asset in positions:
            if asset.inventory_mode == "LOT":
                reads.append(self.lots_read(participant, asset))
            reads.append(self.balance_read(participant, asset))
        if schedules:
            reads += [self.schedule_read(positions[-1][1], *window) for window in schedules]
        answers = iter(self.wire.get_many(reads))
        for participant, asset in positions:
            if asset.inventory_mode == "LOT":
                self.check_lots(contract, participant, asset, next(answers), now)
            self.check_balance(contract, participant, asset, next(answers), now)
        for window in schedules:
            self.judge_schedule(contract, positions[-1][1], next(answers), now, *window)

    def checkpoint(self, contract: str, participant: str, asset: AssetRef) -> None:
        """:meth:`check` between writes whose effects the test's final check still shows
        (the state carries them): read unless the budget checks only at the end. Every write's
        answer is judged either way, and an operation first reads the lots whose server ids
        the model still lacks (:meth:`sync`)."""
        if self.every_write:
            self.check(contract, participant, asset)

    def checkpoint_balance(self, contract: str, participant: str, asset: AssetRef) -> None:
        """:meth:`check_balance` between writes, under the same rule as :meth:`checkpoint`."""
        if self.every_write:
            self.check_balance(contract, participant, asset)

    def schedule_read(
        self,
        asset: AssetRef,
        window_from: datetime,
        window_to: datetime,
        granularity: str = "month",
    ) -> tuple[str, dict]:
        """The read of the asset's expiration schedule in one window."""
        query = {
            "asset_id": asset.id,
            "from": rfc3339(window_from),
            "to": rfc3339(window_to),
            "granularity": granularity,
        }
        return "/v1/reports/expiration-schedule", query

    def check_schedule(
        self,
        contract: str,
        asset: AssetRef,
        window_from: datetime,
        window_to: datetime,
        granularity: str = "month",
    ) -> None:
        self.check_schedules(contract, asset, [(window_from, window_to, granularity)])

    def check_schedules(self, contract: str, asset: AssetRef, windows: Sequence[Window]) -> None:
        """The asset's schedule in each window against the model: the reads sent together,
        judged in their order."""
        now = self.clock()
        answers = self.wire.get_many([self.schedule_read(asset, *window) for window in windows])
        for window, reply in zip(windows, answers, strict=True):
            self.judge_schedule(contract, asset, reply, now, *window)

    def judge_schedule(
        self,
        contract: str,
        asset: AssetRef,
        reply: Reply,
        now: datetime,
        window_from: datetime,
        window_to: datetime,
        granularity: str = "month",
    ) -> None:
        row = None
        if reply.status == 200 and isinstance(reply.body, dict):
            row = next(
                (r for r in reply.body.get("data") or [] if r.get("asset_id") == asset.id), None
            )
        expected = expiration_schedule(
            self.model, asset.id, window_from, window_to, now, granularity
        )
        found = schedule_violations(contract, expected, row)
        MODEL_CHECKS.add(contract, "schedules compared with the model")
        if reply.status != 200:
            found = [
                Violation(
                    contract,
                    "the schedule could not be read",
                    "200",
                    f"{reply.status} {str(reply.body)[:300]}",
                )
            ]
        raise_if_any(found, reply.curl)


def _parse(value: Any) -> datetime | None:
    if value is None:
        return None
    return parse_timestamp(value)


def extension_supported(ledger: LedgerSession, **fields: Any) -> bool:
    """Whether the target accepts the adjust extension fields (D-EXTENSION): one credit with
    ``fields`` (default: a far ``expires_at`` and a key) by a participant of its own, so the
    model of the caller's participants is not touched; 400 means no. The answer is a property
    of the target: asked once per run and set of fields when the sandbox shares the run's
    assets (the probe then credits the shared LOT asset, by the run's one probe participant)."""
    shared = ledger.sandbox.shared
    if shared is None:
        return _probe(ledger, None, fields)
    with shared.lock:  # scenarios side by side: one probe per set of fields all the same
        return _probe(ledger, shared, fields)


def _probe(ledger: LedgerSession, shared: RunAssets | None, fields: dict[str, Any]) -> bool:
    asked = tuple(sorted(fields)) or ("default",)
    if shared is not None and asked in shared.probes:
        return shared.probes[asked]
    asset = ledger.sandbox.shared_asset("LOT", 2)
    probe = shared.probe_participant if shared is not None else None
    if probe is None:
        probe = ledger.sandbox.participant("extension-probe")
        if shared is not None:
            shared.probe_participant = probe
    fields = fields or {
        "expires_at": datetime(2099, 1, 1, tzinfo=UTC),
        "idempotency_key": f"{ledger.sandbox.prefix}-probe-{probe}",
    }
    reply, _ = ledger.adjust("EXT-PROBE", probe, asset, "CREDIT", "1.00", judge=False, **fields)
    supported = reply.status == 200
    if shared is not None:
        shared.probes[asked] = supported
    return supported
