"""Writes to inactive participants, the liability report at a past instant, and the program
filters of the reports on an asset shared by two programs: three rules a ledger can break while
every single-program, current-time read still looks right."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from scrip_conformance.invariants import amounts
from scrip_conformance.model.calendar import parse_timestamp
from scrip_conformance.provisioning.fixtures import new_session, places
from scrip_conformance.provisioning.sandbox import AssetRef
from scrip_conformance.provisioning.session import LedgerSession, extension_supported, rfc3339
from scrip_conformance.provisioning.side_by_side import scenario, unit_fixture
from scrip_conformance.provisioning.wire import Reply
from scrip_conformance.pytest_plugin import require_feature
from scrip_conformance.sampling import rotation
from scrip_conformance.violations import ContractFailure, Violation

INACTIVE = "PROV-INACTIVE-PARTICIPANT-REFUSES-WRITES"
AS_OF = "PROV-LIABILITY-AS-OF-PAST"
SCHEDULE_PROGRAM = "PROV-SCHEDULE-PROGRAM-RESTRICTS-LOTS"
PROGRAM_FILTERS = "PROV-PROGRAM-FILTERS-RESTRICT-LOTS"
# seconds between the writes whose instants the as_of queries fall between: over a second, so
# that a server stamping whole seconds (D-TIME allows it) still puts each write in its own second
GAP = 1.1


def _fail(contract: str, what: str, expected: Any, observed: Any, reply: Reply) -> None:
    raise ContractFailure(
        [Violation(contract, what, str(expected), str(observed)[:400], request=reply.curl)]
    )


def _ok(contract: str, reply: Reply, what: str) -> dict:
    if reply.status != 200 or not isinstance(reply.body, dict):
        _fail(contract, what, "200 with a JSON object", f"{reply.status} {reply.body!r}", reply)
    return reply.body


def _decimal(text: Any) -> Decimal | None:
    return amounts.parse(text)


# ---------------------------------------------------------------- inactive participants
@pytest.mark.contract(INACTIVE)
@scenario
def test_writes_to_suspended_and_closed_participants_are_refused(
    ledger: LedgerSession, target, witness
):
    """adjust (credit and debit), hold and release answer 422 participant_inactive and move
    nothing; forfeit still works (documented for CLOSED, decided for SUSPENDED); a participant
    made ACTIVE again takes writes again. Each inventory mode with both statuses, or (quick
    budget) with one each in turn, so that both statuses and both modes are still tried; and a
    participant created CLOSED is refused in both modes. The run's shared assets: every check
    is of this test's participants. The quick budget runs it all in the LOT mode only
    (the status change with SUSPENDED: refused only while a server checks every inactive
    status, not just CLOSED); its SIMPLE credit to the participant created CLOSED (3
    requests, a SIMPLE asset of its own to retire when no other quick test uses one) caught
    no known-bad variant the LOT mode did not (selftest --quick of inactive-participant-writable
    and suspended-participant-writable)."""
    c = INACTIVE
    per_mode = target.limits.get("inactive_cases")
    closed = ledger.sandbox.participant("created-closed", status="CLOSED")
    changed = places(target, ("LOT", "SIMPLE"))
    for place, mode in enumerate(changed):
        asset = ledger.sandbox.shared_asset(mode, 2)
        checked = []
        statuses = rotation(("SUSPENDED", "CLOSED"), place, per_mode)
        for status in statuses:
            p = ledger.sandbox.participant(f"inactive-{status.lower()}")
            ledger.adjust(c, p, asset, "CREDIT", "10.00")
            ledger.operation(
                c,
                "hold",
                p,
                asset,
                amount="4.00",
                reference_id=None if mode == "SIMPLE" else "inactive",
            )
            ledger.checkpoint(c, p, asset)  # the final check shows whatever a refusal moved
            ledger.sandbox.set_status(p, status)
            # every write below is judged against the model: 422 participant_inactive
            ledger.adjust(c, p, asset, "CREDIT", "1.00")
            ledger.adjust(c, p, asset, "DEBIT", "1.00")
            ledger.operation(c, "hold", p, asset, amount="1.00")
            ledger.operation(c, "release", p, asset, amount="1.00")
            witness(c, "writes refused", 4)
            ledger.checkpoint(c, p, asset)
            ledger.operation(c, "forfeit", p, asset, bucket="AVAILABLE", amount="1.00")
            witness(c, "forfeits allowed", 1)
            ledger.checkpoint(c, p, asset)
            ledger.sandbox.set_status(p, "ACTIVE")
            ledger.adjust(c, p, asset, "CREDIT", "2.00")
            checked.append((p, asset))
            witness(c, f"{status} participants", 1)
        ledger.adjust(c, closed, asset, "CREDIT", "5.00")  # created CLOSED: refused
        if ledger.every_write:  # (quick budget: the refusal's answer is judged; its state,
            checked.append((closed, asset))  # never written, bought no catch: 2 reads)
        ledger.check_all(c, checked)  # every participant's state, together
        witness(c, "writes refused", 1)


# ---------------------------------------------------------------- liability at a past as_of
def _lots_created(
    contract: str, ledger: LedgerSession, p: str, asset: AssetRef, amounts: list[str]
) -> list[datetime]:
    """The created_at of the lots of these amounts, from one read of the lots."""
    rows, reply = ledger.lots(p, asset)
    return [_lot_created(contract, rows, reply, amount) for amount in amounts]


def _lot_created(contract: str, rows: list, reply: Reply, amount: str) -> datetime:
    for lot in rows:
        if isinstance(lot, dict) and lot.get("amount") == amount:
            stamped = parse_timestamp(lot.get("created_at") or "")
            if stamped is not None:
                return stamped
    _fail(
        contract, f"the lot of the {amount} credit is not listed", f"a lot of {amount}", rows, reply
    )
    raise AssertionError("unreachable")


LIABILITY = "/v1/reports/liability"


def _liability_query(
    asset: AssetRef, program: str, as_of: datetime | None, by_bucket: bool = False
) -> dict[str, Any]:
    query: dict[str, Any] = {"asset_id": asset.id, "program_id": program}
    if as_of is not None:
        query["as_of"] = rfc3339(as_of)
    if by_bucket:
        query["by_bucket"] = "true"
    return query


def _liabilities(
    ledger: LedgerSession,
    contract: str,
    asset: AssetRef,
    program: str,
    asked: list[tuple[datetime | None, bool]],
) -> list[tuple[dict, Reply]]:
    """:func:`_liability` for each (as_of, by_bucket) asked: the first pages read together."""
    queries = [_liability_query(asset, program, as_of, by_bucket) for as_of, by_bucket in asked]
    firsts = ledger.wire.get_many([ledger.wire.first_page(LIABILITY, **q) for q in queries])
    return [
        _liability(ledger, contract, asset, program, as_of, by_bucket, first)
        for (as_of, by_bucket), first in zip(asked, firsts, strict=True)
    ]


def _liability(
    ledger: LedgerSession,
    contract: str,
    asset: AssetRef,
    program: str,
    as_of: datetime | None,
    by_bucket: bool = False,
    first: Reply | None = None,
) -> tuple[dict, Reply]:
    """The report's balance per bucket (None without by_bucket) for one asset and program
    (``first``: its first page, already read)."""
    query = _liability_query(asset, program, as_of, by_bucket)
    rows, reply = ledger.wire.list_all(LIABILITY, first=first, **query)
    if reply.status != 200:
        _fail(
            contract,
            "the liability report could not be read",
            200,
            f"{reply.status} {reply.body!r}",
            reply,
        )
    found: dict = {}
    for row in rows:
        if not isinstance(row, dict):
            continue
        if row.get("asset_id") != asset.id or row.get("program_id") != program:
            _fail(
                contract,
                "a row outside the report's asset_id and program_id filters",
                f"asset {asset.id}, program {program}",
                row,
                reply,
            )
        value = _decimal(row.get("balance"))
        if value is None:
            _fail(contract, "a row without a readable balance", "a decimal string", row, reply)
        key = row.get("bucket") if by_bucket else None
        found[key] = found.get(key, Decimal(0)) + value
    return {k: v for k, v in found.items() if v != 0}, reply


@pytest.mark.contract(AS_OF)
@scenario
def test_the_liability_report_at_a_past_instant_counts_only_what_happened_by_then(
    ledger: LedgerSession, target, witness
):
    """Credits 10, then 5, then debits 3 and holds 2, with a pause between each; the report at
    an instant inside each pause shows the ledger as it was then (nothing before the first
    credit, 10, then 15), and the current one 12 (10 available and 2 held)."""
    require_feature(target, "liability-report")
    c = AS_OF
    asset = ledger.sandbox.asset("LOT", 2)
    p = ledger.sandbox.participant("as-of")
    program = ledger.program_id
    ledger.adjust(c, p, asset, "CREDIT", "10.00")
    # the quick budget reads both lots' created_at after the second credit, in one read, and
    # leaves the lots and balance to the reports (every write's answer is judged): 3 reads
    # that caught nothing more (selftest --quick of liability-ignores-as-of)
    if ledger.every_write:
        [first] = _lots_created(c, ledger, p, asset, ["10.00"])
    time.sleep(GAP)
    ledger.adjust(c, p, asset, "CREDIT", "5.00")
    if ledger.every_write:
        [second] = _lots_created(c, ledger, p, asset, ["5.00"])
    else:
        first, second = _lots_created(c, ledger, p, asset, ["10.00", "5.00"])
    time.sleep(GAP)
    ledger.adjust(c, p, asset, "DEBIT", "3.00")
    ledger.operation(c, "hold", p, asset, amount="2.00", reference_id="as-of")
    ledger.checkpoint(c, p, asset)
    half = timedelta(seconds=GAP / 2)
    if second - first < half:
        _fail(
            c,
            "the second lot's created_at is not after the pause that preceded it",
            f"at least {GAP / 2:.2f} s after {rfc3339(first)}",
            rfc3339(second),
            ledger.lots(p, asset)[1],
        )
    cases: list[tuple[str, datetime | None, bool, dict]] = [
        ("before the first credit", first - half, False, {}),
        ("between the two credits", first + half, False, {None: Decimal("10.00")}),
        (
            "after the second credit, before the debit",
            second + half,
            False,
            {None: Decimal("15.00")},
        ),
        ("between the two credits, by bucket", first + half, True, {"AVAILABLE": Decimal("10.00")}),
        ("now", None, False, {None: Decimal("12.00")}),
        ("now, by bucket", None, True, {"AVAILABLE": Decimal("10.00"), "HELD": Decimal("2.00")}),
    ]
    reports = _liabilities(ledger, c, asset, program, [(a, b) for _, a, b, _ in cases])
    for (label, as_of, _by_bucket, expected), (seen, reply) in zip(cases, reports, strict=True):
        if seen != expected:
            shown = {k or "all buckets": str(v) for k, v in expected.items()} or "no balance"
            got = {k or "all buckets": str(v) for k, v in seen.items()} or "no balance"
            _fail(
                c,
                f"the liability at as_of {label} is not the ledger as of that instant",
                shown,
                got,
                reply,
            )
        witness(c, "past instants" if as_of is not None else "current reports", 1)


# ---------------------------------------------------------------- program filters
def _credit(
    ledger: LedgerSession,
    contract: str,
    p: str,
    asset: AssetRef,
    program: str,
    amount: str,
    expires_at: datetime | None = None,
) -> None:
    body: dict[str, Any] = {
        "program_id": program,
        "asset_id": asset.id,
        "type": "CREDIT",
        "amount": amount,
        "description": f"scrip-conformance {contract}",
    }
    if expires_at is not None:
        body["expires_at"] = rfc3339(expires_at)
    reply = ledger.wire.post(f"/v1/participants/{p}/balances/adjust", body)
    _ok(contract, reply, f"a credit of {amount} under program {program} was refused")


def _two_program_ledger(
    ledger: LedgerSession, contract: str, target, asset: AssetRef, second: str
) -> tuple[AssetRef, str, dict]:
    """One participant with lots credited under each of the two programs ``asset`` is linked
    to; per program (and None for both), the outstanding sums expected: never-expiring, per
    expiry, and the lot amounts."""
    dated = target.supports("extension") and extension_supported(ledger)
    p = ledger.sandbox.participant("two-programs")
    first = ledger.program_id
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(days=40)
    plan = [(first, "10.00", None), (second, "7.00", None)]
    if dated:
        plan += [(first, "3.00", soon), (second, "2.00", soon)]
    expected: dict[Any, dict] = {}
    for program, amount, expires in plan:
        _credit(ledger, contract, p, asset, program, amount, expires)
        for key in (program, None):
            entry = expected.setdefault(
                key, {"never": Decimal(0), "dated": Decimal(0), "amounts": []}
            )
            entry["dated" if expires else "never"] += Decimal(amount)
            entry["amounts"].append(amount)
    return asset, p, {"programs": (first, second), "by_program": expected, "soon": soon}


def _linked_asset(ledger: LedgerSession) -> tuple[AssetRef, str]:
    """A new asset of the run linked to a second program of the run too."""
    asset = ledger.sandbox.asset("LOT", 2)
    second = ledger.sandbox.program("second-program")
    ledger.sandbox.link(second, asset)
    return asset, second


class TwoPrograms:
    """The module's two-program ledger, set up once by the first test asking for it and read
    by the others (they only read it): each contract's test re-raises a failed set-up under its
    own contract id."""

    def __init__(self, ledger: LedgerSession, target) -> None:
        self.ledger = ledger
        self.target = target
        self._linked: tuple[AssetRef, str] | None = None
        self._credited: tuple[AssetRef, str, dict] | None = None
        self._failed: ContractFailure | None = None

    def _again(self, contract: str) -> None:
        if self._failed is not None:
            raise ContractFailure(
                [replace(v, contract_id=contract) for v in self._failed.violations]
            )

    def linked(self, contract: str) -> tuple[AssetRef, str]:
        """The asset linked to both programs, and the second program."""
        self._again(contract)
        if self._linked is None:
            try:
                self._linked = _linked_asset(self.ledger)
            except ContractFailure as failure:
                self._failed = failure
                raise
        return self._linked

    def credited(self, contract: str) -> tuple[AssetRef, str, dict]:
        """:func:`_two_program_ledger`, on the linked asset."""
        self._again(contract)
        if self._credited is None:
            try:
                asset, second = self.linked(contract)
                self._credited = _two_program_ledger(
                    self.ledger, contract, self.target, asset, second
                )
            except ContractFailure as failure:
                self._failed = failure
                raise
        return self._credited


@unit_fixture
def two_programs(wire, run_prefix_name, run_program, run_assets, target) -> TwoPrograms:
    """One two-program ledger for the module's program-filter and link tests."""
    return TwoPrograms(new_session(wire, run_prefix_name, run_program, run_assets), target)


SCHEDULE = "/v1/reports/expiration-schedule"


def _schedule_query(asset: AssetRef, soon: datetime, program: str | None) -> dict[str, Any]:
    now = datetime.now(UTC).replace(microsecond=0)
    query: dict[str, Any] = {
        "asset_id": asset.id,
        "from": rfc3339(now - timedelta(days=1)),
        "to": rfc3339(soon + timedelta(days=60)),
        "granularity": "month",
    }
    if program is not None:
        query["program_id"] = program
    return query


def _schedule_row(contract: str, asset: AssetRef, reply: Reply) -> dict:
    """The asset's one row in a schedule answer."""
    body = _ok(contract, reply, "the expiration schedule could not be read")
    rows = [
        r for r in body.get("data") or [] if isinstance(r, dict) and r.get("asset_id") == asset.id
    ]
    if len(rows) != 1:
        _fail(
            contract,
            "the schedule has not exactly one row for the asset asked for",
            "one row",
            body.get("data"),
            reply,
        )
    return rows[0]


@pytest.mark.contract(SCHEDULE_PROGRAM)
@scenario
def test_the_schedule_program_filter_counts_only_that_programs_lots(
    two_programs: TwoPrograms, witness
):
    """An asset linked to two programs holds lots credited under each: the schedule with
    ``program_id`` sums only the lots whose credit belongs to that program (not every lot of
    the program's assets), and the schedule without it sums both (the three read together)."""
    c = SCHEDULE_PROGRAM
    asset, _p, data = two_programs.credited(c)
    programs = (*data["programs"], None)
    replies = two_programs.ledger.wire.get_many(
        [(SCHEDULE, _schedule_query(asset, data["soon"], program)) for program in programs]
    )
    for program, reply in zip(programs, replies, strict=True):
        expected = data["by_program"][program]
        row = _schedule_row(c, asset, reply)
        seen = {
            "total_outstanding": _decimal(row.get("total_outstanding")),
            "never_expiring": _decimal(row.get("never_expiring")),
            "sum of buckets": sum(
                (
                    _decimal(b.get("amount")) or Decimal(0)
                    for b in row.get("buckets") or []
                    if isinstance(b, dict)
                ),
                Decimal(0),
            ),
        }
        wanted = {
            "total_outstanding": expected["never"] + expected["dated"],
            "never_expiring": expected["never"],
            "sum of buckets": expected["dated"],
        }
        if seen != wanted:
            label = f"program_id {program}" if program else "no program_id"
            _fail(
                c,
                f"the schedule with {label} does not sum exactly that program's lots",
                {k: str(v) for k, v in wanted.items()},
                {k: str(v) for k, v in seen.items()},
                reply,
            )
        witness(c, "program-filtered schedules" if program else "unfiltered schedules", 1)


@pytest.mark.contract(PROGRAM_FILTERS)
@scenario
def test_the_lot_list_and_liability_program_filters_keep_only_that_programs_lots(
    two_programs: TwoPrograms, target, witness
):
    """On the same two-program asset, the lot list's ``program_id`` lists exactly the lots
    credited under that program, and the liability report's ``program_id`` sums only them
    (the first pages read together)."""
    c = PROGRAM_FILTERS
    asset, p, data = two_programs.credited(c)
    ledger = two_programs.ledger
    liability = target.supports("liability-report")
    reads = []
    for program in data["programs"]:
        reads.append(ledger.lots_read(p, asset, program_id=program))
        if liability:
            reads.append(
                ledger.wire.first_page(LIABILITY, **_liability_query(asset, program, None))
            )
    firsts = iter(ledger.wire.get_many(reads))
    for program in data["programs"]:
        expected = data["by_program"][program]
        rows, reply = ledger.lots(p, asset, first=next(firsts), program_id=program)
        if reply.status != 200:
            _fail(
                c,
                "the lot list with program_id could not be read",
                200,
                f"{reply.status} {reply.body!r}",
                reply,
            )
        listed = sorted(str(r.get("amount")) for r in rows if isinstance(r, dict))
        if listed != sorted(expected["amounts"]):
            _fail(
                c,
                f"the lot list with program_id {program} is not exactly its lots",
                sorted(expected["amounts"]),
                listed,
                reply,
            )
        witness(c, "program-filtered lot lists", 1)
        if not liability:
            continue
        seen, reply = _liability(ledger, c, asset, program, None, first=next(firsts))
        total = expected["never"] + expected["dated"]
        if seen != {None: total}:
            _fail(
                c,
                f"the liability with program_id {program} is not that program's balance",
                str(total),
                {str(k): str(v) for k, v in seen.items()},
                reply,
            )
        witness(c, "program-filtered liability reports", 1)


LINK_TWICE = "PROV-LINK-TWICE-CONFLICT"


@pytest.mark.contract(LINK_TWICE)
@scenario
def test_linking_an_asset_twice_to_a_program_is_a_conflict(two_programs: TwoPrograms, witness):
    """The second link of the same asset to the same program (the module's two-program asset,
    linked once) answers 409 conflict and leaves the asset linked once."""
    c = LINK_TWICE
    asset, second = two_programs.linked(c)
    ledger = two_programs.ledger
    again = ledger.wire.post(f"/v1/programs/{second}/assets", {"asset_id": asset.id})
    code = again.body.get("code") if isinstance(again.body, dict) else None
    if again.status != 409 or code != "conflict":
        _fail(
            c,
            "linking an already linked asset is not a conflict",
            "409 conflict",
            f"{again.status} {again.body!r}",
            again,
        )
    read = ledger.wire.get(f"/v1/assets/{asset.id}")
    linked = _ok(c, read, "the asset could not be read").get("program_ids") or []
    if sorted(linked) != sorted({ledger.program_id, second}):
        _fail(
            c,
            "the asset's programs changed after the refused link",
            sorted({ledger.program_id, second}),
            linked,
            read,
        )
    witness(c, "refused second links", 1)
