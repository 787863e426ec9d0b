"""The run's own evidence: data written to the run's sandbox before the read-only walk, so that
every read-only contract has something to judge even on an empty organization.

A writing run creates, under its prefix: one lot list holding every lot status (AVAILABLE, HELD
under two reference ids, DEFERRED, CONSUMED, EXPIRED) with dated lots (past and future expiries,
a past maturity), a second LOT asset at scale 0 and a SIMPLE asset (several balance rows, the
SIMPLE-asset error probe), a second participant with lots of its own and a third one without any
(lists of several items to page through with small limits), balances for the liability report,
an overdrawn participant (negative available), an archived asset holding a lot, and SUSPENDED
and CLOSED participants with profile fields (for the list filters and search).

Building is best effort: what the target refuses is written down in :attr:`Evidence.missing`
(and the read-only contracts that needed it stay unexercised), never raised, so the read-only
walk still runs.

The pieces are independent chains of writes (each on a participant and asset of its own, except
that one participant holds two chains on different assets): across a network they go
``--concurrency`` at a time, each chain's writes still one after another, and what they made is
folded in the serial order, so the evidence reads the same whatever order the answers came in.

Participant counters cannot be made: no operation of the spec sets them (D-SCOPE leaves out the
rules and events that fill them).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from scrip_conformance.model import LedgerModel
from scrip_conformance.provisioning.sandbox import AssetRef, Sandbox
from scrip_conformance.provisioning.session import rfc3339
from scrip_conformance.provisioning.wire import HttpWire, Reply
from scrip_conformance.violations import ContractFailure

SHORT_EXPIRY = timedelta(seconds=1)  # when a past expires_at is refused: expire this soon
EXTENSION_FIELDS = ("expires_at", "matures_at", "reference_id")  # of a credit (D-EXTENSION)


@dataclass
class Evidence:
    """What the run wrote for the read-only contracts, and what it could not write."""

    prefix: str
    program_id: str | None = None
    participants: list[str] = field(default_factory=list)
    assets: list[AssetRef] = field(default_factory=list)
    lots: dict[str, int] = field(default_factory=dict)  # what kind of lot -> how many made
    reference_ids: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # one line per piece the target refused

    def made(self, kind: str, count: int = 1) -> None:
        self.lots[kind] = self.lots.get(kind, 0) + count

    def fold(self, piece: Evidence) -> None:
        """Add what another piece of the build made (after what this one holds)."""
        self.participants += piece.participants
        self.assets += piece.assets
        for kind, count in piece.lots.items():
            self.made(kind, count)
        self.reference_ids += piece.reference_ids
        self.missing += piece.missing

    @property
    def asset_ids(self) -> list[str]:
        return [asset.id for asset in self.assets]


class _Writer:
    """Sends the evidence writes; a refused write is noted, never raised."""

    def __init__(
        self, wire: HttpWire, program_id: str, evidence: Evidence, extension: bool = True
    ) -> None:
        self.wire = wire
        self.program_id = program_id
        self.evidence = evidence
        self.extension = extension  # False: the extension fields are never sent

    def write(self, operation: str, participant: str, asset: AssetRef, **fields: Any) -> Reply:
        body = {
            "program_id": self.program_id,
            "asset_id": asset.id,
            "description": "scrip-conformance evidence for the read-only contracts",
            **fields,
        }
        return self.wire.post(f"/v1/participants/{participant}/balances/{operation}", body)

    def ok(self, reply: Reply, what: str) -> bool:
        if reply.status == 200:
            return True
        if reply.status == 0:  # not sent
            self.evidence.missing.append(f"{what}: {reply.body}")
            return False
        self.evidence.missing.append(
            f"{what}: the target answered {reply.status} {str(reply.body)[:160]}"
        )
        return False

    def credit(self, participant: str, asset: AssetRef, amount: str, **fields: Any) -> Reply:
        if not self.extension and any(f in fields for f in EXTENSION_FIELDS):
            return Reply(0, "not sent: the extension is declared unsupported", "", {})
        extra = {k: rfc3339(v) if isinstance(v, datetime) else v for k, v in fields.items()}
        return self.write("adjust", participant, asset, type="CREDIT", amount=amount, **extra)


def build(
    wire: HttpWire,
    prefix: str,
    program_id: str,
    skew: timedelta = timedelta(seconds=5),
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], None] = time.sleep,
    extension: bool = True,
) -> Evidence:
    """Write the evidence (see the module's docstring); returns once every lot meant to be
    EXPIRED is surely expired on the target (``skew``: the tolerated clock difference).
    ``extension`` False (``--unsupported extension``): no extension field is sent."""
    evidence = Evidence(prefix, program_id)
    sandbox = Sandbox(wire, LedgerModel(), prefix, program_id)
    try:
        lots_asset, whole_asset, simple_asset, varied, second, idle = _in_turn(
            wire.concurrency,
            [
                lambda: sandbox.asset("LOT", 2),
                lambda: sandbox.asset("LOT", 0),
                lambda: sandbox.asset("SIMPLE", 2),
                *(lambda n=n: sandbox.participant(f"evidence-{n}") for n in (1, 2, 3)),
            ],
        )
        evidence.assets += [lots_asset, whole_asset, simple_asset]
        evidence.participants += [varied, second, idle]
    except ContractFailure as failure:
        evidence.missing.append(f"the evidence sandbox: {failure.violations[0].observed}")
        return evidence
    now = clock()
    pieces = [Evidence(prefix, program_id) for _ in range(5)]
    writers = [_Writer(wire, program_id, piece, extension) for piece in pieces]
    expired_at, *_ = _in_turn(
        wire.concurrency,
        [
            lambda: _every_status(writers[0], varied, lots_asset, now, clock),
            lambda: _more_balance_rows(writers[1], varied, whole_asset, simple_asset, now),
            lambda: _second_participant(writers[2], second, lots_asset, now),
            lambda: _overdraft_and_archive(writers[3], sandbox, lots_asset),
            lambda: _participant_statuses(wire, pieces[4]),
        ],
    )
    for piece in pieces:  # in the serial order
        evidence.fold(piece)
    if expired_at is not None:  # a lot made to expire soon: wait until it surely has
        left = (expired_at + skew + timedelta(seconds=0.5) - clock()).total_seconds()
        if left > 0:
            sleep(left)
    return evidence


def _in_turn(concurrency: int, calls: list[Callable[[], Any]]) -> list[Any]:
    """The results of independent calls in the order given, ``concurrency`` running at a time
    (one after another at 1); the first call's error in that order is raised."""
    if concurrency <= 1 or len(calls) < 2:
        return [call() for call in calls]
    with ThreadPoolExecutor(min(concurrency, len(calls)), "scrip-evidence") as pool:
        futures = [pool.submit(call) for call in calls]
        return [future.result() for future in futures]


def _every_status(
    writer: _Writer,
    participant: str,
    asset: AssetRef,
    now: datetime,
    clock: Callable[[], datetime],
) -> datetime | None:
    """One lot list with every status, dated lots and two reference ids, oldest first; the
    expiry to wait for when the target took only a future one for the EXPIRED lot."""
    evidence, credit = writer.evidence, writer.credit
    # CONSUMED: a lot debited whole (it is the oldest AVAILABLE one, so FIFO takes it)
    if writer.ok(credit(participant, asset, "3.00"), "a lot to consume"):
        if writer.ok(
            writer.write("adjust", participant, asset, type="DEBIT", amount="3.00"),
            "a debit consuming a whole lot (CONSUMED)",
        ):
            evidence.made("CONSUMED")
    # HELD under two reference ids, split from a dated AVAILABLE lot (D-LOT-SPLIT)
    dated = writer.ok(
        credit(participant, asset, "6.00", expires_at=now + timedelta(days=45)),
        "a lot with an expiry (the x-scrip-conformance-extension field expires_at)",
    )
    if not dated:
        writer.ok(credit(participant, asset, "6.00"), "a lot to hold from")
    else:
        evidence.made("dated")
    for n, amount in ((1, "2.00"), (2, "1.00")):
        reference = f"{evidence.prefix}-evidence-hold-{n}"
        if writer.ok(
            writer.write("hold", participant, asset, amount=amount, reference_id=reference),
            f"a hold under reference_id {reference} (HELD)",
        ):
            evidence.made("HELD")
            evidence.reference_ids.append(reference)
    if not dated:
        evidence.missing.append(
            "DEFERRED, EXPIRED and dated lots: the expiry extension field is refused or "
            "declared unsupported"
        )
        writer.ok(credit(participant, asset, "5.00"), "an undated AVAILABLE lot")
        return None
    return _dated_statuses(writer, participant, asset, now, clock)


def _dated_statuses(
    writer: _Writer,
    participant: str,
    asset: AssetRef,
    now: datetime,
    clock: Callable[[], datetime],
) -> datetime | None:
    """The lots that need dates (the target took the expiry extension field): DEFERRED,
    EXPIRED, AVAILABLE dated far ahead, a provisional HELD lot. The expiry to wait for when
    the target took only a future one for the EXPIRED lot."""
    evidence, credit = writer.evidence, writer.credit
    # DEFERRED: maturing in the future
    if writer.ok(
        credit(
            participant,
            asset,
            "2.00",
            matures_at=now + timedelta(days=20),
            expires_at=now + timedelta(days=60),
        ),
        "a lot maturing in 20 days (DEFERRED)",
    ):
        evidence.made("DEFERRED")
    # EXPIRED: created already expired if the target allows a past expiry, else expiring soon
    wait_for = None
    reply = credit(participant, asset, "1.50", expires_at=now - timedelta(hours=1))
    if reply.status != 200:
        soon = clock() + SHORT_EXPIRY
        reply = credit(participant, asset, "1.50", expires_at=soon)
        wait_for = soon
    if writer.ok(reply, "a lot expiring at once (EXPIRED)"):
        evidence.made("EXPIRED")
    else:
        wait_for = None
    # AVAILABLE: undated, and dated far ahead with a past maturity
    if writer.ok(credit(participant, asset, "5.00"), "an undated AVAILABLE lot"):
        evidence.made("AVAILABLE")
    matured = credit(
        participant,
        asset,
        "2.50",
        expires_at=now + timedelta(days=400),
        matures_at=now - timedelta(days=1),
    )
    if matured.status != 200:
        matured = credit(participant, asset, "2.50", expires_at=now + timedelta(days=400))
    if writer.ok(matured, "an AVAILABLE lot expiring in 400 days"):
        evidence.made("dated")
    # a provisional HELD lot (credited straight into HELD with a reference id)
    reference = f"{evidence.prefix}-evidence-provisional"
    if writer.ok(
        credit(
            participant,
            asset,
            "1.25",
            bucket="HELD",
            reference_id=reference,
            expires_at=now + timedelta(days=90),
        ),
        "a provisional HELD lot (bucket HELD with reference_id)",
    ):
        evidence.made("HELD")
        evidence.reference_ids.append(reference)
    return wait_for


def _more_balance_rows(
    writer: _Writer, participant: str, whole: AssetRef, simple: AssetRef, now: datetime
) -> None:
    """Two more assets for the varied participant: several balance rows, one of them SIMPLE."""
    if writer.ok(writer.credit(participant, whole, "7"), "a credit of a scale-0 asset"):
        writer.evidence.made("AVAILABLE")
    reply = writer.credit(participant, whole, "3", expires_at=now + timedelta(days=10))
    if reply.status == 200:
        writer.evidence.made("dated")
    writer.ok(writer.credit(participant, simple, "4.00"), "a credit of a SIMPLE asset")


def _overdraft_and_archive(writer: _Writer, sandbox: Sandbox, asset: AssetRef) -> None:
    """A participant overdrawn by a debit with allow_negative (D-OVERDRAFT: available below
    zero, no AVAILABLE lot left), and an archived asset still holding a lot (D-ARCHIVED)."""
    evidence = writer.evidence
    try:
        overdrawn = sandbox.participant("evidence-overdrawn")
        archived = sandbox.asset("LOT", 2)
    except ContractFailure as failure:
        evidence.missing.append(f"the overdrawn participant: {failure.violations[0].observed}")
        return
    evidence.participants.append(overdrawn)
    evidence.assets.append(archived)
    if writer.ok(writer.credit(overdrawn, asset, "1.00"), "a lot to overdraw"):
        writer.ok(
            writer.write(
                "adjust", overdrawn, asset, type="DEBIT", amount="3.00", allow_negative=True
            ),
            "a debit with allow_negative (a negative available balance)",
        )
    if writer.ok(writer.credit(overdrawn, archived, "2.00"), "a lot of the asset to archive"):
        try:
            sandbox.archive(archived)
        except ContractFailure as failure:
            evidence.missing.append(f"an archived asset: {failure.violations[0].observed}")


def _participant_statuses(wire: HttpWire, evidence: Evidence) -> None:
    """Participants created SUSPENDED and CLOSED, with the profile fields search looks at."""
    for n, status in enumerate(("SUSPENDED", "CLOSED"), start=1):
        body = {
            "external_id": f"{evidence.prefix}-evidence-{status.lower()}",
            "program_id": evidence.program_id,
            "status": status,
            "email": f"{evidence.prefix}.{n}@example.com",
            "first_name": f"Evi{n}",
            "last_name": "Dence",
            "display_name": f"Evidence {status.title()}",
        }
        reply = wire.post("/v1/participants", body)
        if reply.status in (200, 201) and isinstance(reply.body, dict) and "id" in reply.body:
            evidence.participants.append(reply.body["id"])
        else:
            evidence.missing.append(
                f"a {status} participant: the target answered {reply.status} "
                f"{str(reply.body)[:160]}"
            )


def _second_participant(writer: _Writer, participant: str, asset: AssetRef, now: datetime) -> None:
    """A second participant with three lots, one of them partly spent."""
    for amount, fields in (
        ("1.00", {}),
        ("2.00", {"expires_at": now + timedelta(days=100)}),
        ("4.00", {}),
    ):
        reply = writer.credit(participant, asset, amount, **fields)
        if reply.status != 200 and fields:
            reply = writer.credit(participant, asset, amount)
        if writer.ok(reply, "a lot of the second participant"):
            writer.evidence.made("AVAILABLE")
    writer.ok(
        writer.write("adjust", participant, asset, type="DEBIT", amount="0.50"),
        "a partial debit of the second participant",
    )
