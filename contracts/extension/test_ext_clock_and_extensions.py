"""Lots that mature and expire seconds into the run, window edges, provisional holds and
idempotent credits: contracts that need the x-scrip-conformance-extension fields of adjust.

On a target that rejects those fields (400), or declared ``--unsupported=extension``, every
contract here is reported as not run. Clock-driven checks are judged on the target's clock
(estimated from a lot's created_at) and only away from each transition instant.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from scrip_conformance.invariants.timestamps import whole_second_ceiling
from scrip_conformance.model.calendar import parse_timestamp
from scrip_conformance.provisioning.clock import ServerClock, local_now, stamp_resolution
from scrip_conformance.provisioning.fixtures import new_session
from scrip_conformance.provisioning.session import LedgerSession, extension_supported
from scrip_conformance.provisioning.side_by_side import scenario, scenario_fixture, unit_fixture
from scrip_conformance.pytest_plugin import not_run, require_feature
from scrip_conformance.sampling import rotation
from scrip_conformance.violations import ContractFailure, Violation

START_FIRST = True
"""Side by side with the other write-side files (provisioning/side_by_side.py), this one starts
first: its clock scenarios wait for lots to mature and expire, the longest of them all."""
MIN_LEAD = timedelta(seconds=1)  # how far into the run lots mature or expire, at least
LEAD_PER_UNCERTAINTY = 20
"""The lead also grows with the clock estimate's uncertainty (half a round trip plus 50 ms), so
a distant target gets the time its few requests before the transition take: 1 s on loopback,
2 s at a 100 ms round trip, 5 s at 400 ms."""
MARGIN = timedelta(milliseconds=300)
RETRY_SLACK = 5
"""A clock scenario whose requests before its transition took longer than its lead (a rate
limit shared with the scenarios running beside it, a busy machine) is tried once more, with a
lead this many times longer, before it is reported not run."""


@scenario_fixture
def ext(target, ledger):
    """The session, after checking that the target takes the extension fields."""
    require_feature(target, "extension")
    if not extension_supported(ledger):
        not_run("the target rejects the x-scrip-conformance-extension fields of adjust (400)")
    return ledger


def _calibrated(ledger, participant, asset, contract, shared=None) -> ServerClock:
    """Credit an anchor lot and read its created_at: the target's clock offset. ``shared``
    (:class:`_SharedClock`): the run's clock once calibrated, reused by the later scenarios
    (their anchor credit only, no lot read: the offset is the target's, not the scenario's)."""
    if shared is not None and shared.clock is not None:
        ledger.adjust(contract, participant, asset, "CREDIT", "5.00")
        ledger.clock = shared.clock.now
        return shared.clock
    clock = ServerClock()
    clock.slack = shared.slack if shared is not None else 1
    sent = local_now()
    ledger.adjust(contract, participant, asset, "CREDIT", "5.00")
    received = local_now()
    rows = ledger.check_lots(contract, participant, asset)
    stamp = rows[-1]["created_at"]
    clock.calibrate(sent, received, parse_timestamp(stamp), stamp_resolution(stamp))
    ledger.clock = clock.now
    if shared is not None:
        shared.clock = clock
    return clock


class _SharedClock:
    """The clock calibrated by the first clock scenario, for the others to reuse (the quick
    budget: each later calibration cost a lot read that bought no catch; every scenario's lots
    are still read and judged at its checks)."""

    def __init__(self, slack: int = 1) -> None:
        self.clock: ServerClock | None = None
        self.slack = slack

    def retried(self) -> _SharedClock:
        """The same clock for a second try, whose transitions are ``RETRY_SLACK`` times further
        ahead (calibrated anew by the retried scenario when none was calibrated)."""
        again = _SharedClock(RETRY_SLACK)
        if self.clock is not None:
            again.clock = copy.copy(self.clock)
            again.clock.slack = RETRY_SLACK
        return again


TOO_SLOW = "the requests before the transition took longer than"


def _too_slow(clock: ServerClock) -> str:
    return f"{TOO_SLOW} {_lead(clock).total_seconds():g}s"


def _slowed(exc: BaseException) -> bool:
    """Whether a scenario was not run because its requests came too late for its transition."""
    return isinstance(exc, pytest.skip.Exception) and TOO_SLOW in str(exc)


def _lead(clock: ServerClock) -> timedelta:
    """How far ahead of the target's now a scenario puts its transition."""
    return max(MIN_LEAD, LEAD_PER_UNCERTAINTY * clock.uncertainty) * clock.slack


def _transition(clock: ServerClock) -> datetime:
    """The instant of a scenario's transition: at least the lead ahead, on a whole second, so
    a server keeping milliseconds or whole seconds echoes it unchanged (D-TIME; these contracts
    are about the clock, not about precision)."""
    return whole_second_ceiling(clock.now() + _lead(clock))


@contextlib.contextmanager
def _before(clock: ServerClock, instant: datetime) -> Iterator[None]:
    """Checks of the state before ``instant``: valid only if they all ran surely before it.

    A difference seen after the instant may be a timing artefact, not a bug: not run then.
    """
    try:
        yield
    except ContractFailure:
        if clock.before(instant, MARGIN):
            raise
        not_run(_too_slow(clock))
    if not clock.before(instant, MARGIN):
        not_run(_too_slow(clock))


# -- lots that mature or expire during the run ----------------------------------------------
# Each scenario is a generator: it sets up and checks the state before its transition, yields
# the transition instant with the target's clock as calibrated for it, and checks the state
# after it when resumed. The module's scenarios all start first and then wait once, past the
# latest instant: one wait for all of them instead of one each.


_Steps = Iterator[tuple[datetime, ServerClock]]
"""A clock scenario: its transition, then (resumed) the checks after it."""


def _maturing_lot(ext, shared=None) -> _Steps:
    c = "EXT-MATURITY-FOLLOWS-CLOCK"
    asset = ext.sandbox.shared_asset("LOT", 2)
    p = ext.sandbox.participant("maturity")
    clock = _calibrated(ext, p, asset, c, shared)
    matures = _transition(clock)
    with _before(clock, matures):
        ext.adjust(c, p, asset, "CREDIT", "3.00", matures_at=matures)
        ext.adjust(c, p, asset, "DEBIT", "6.00")  # the deferred 3.00 is not spendable: 422
        ext.check(c, p, asset)
    yield matures, clock
    # (quick budget: no read here; the matured lot shows in the debit's answer, which a lot
    # still DEFERRED refuses with 422, and in the final check)
    ext.checkpoint(c, p, asset)
    ext.adjust(c, p, asset, "DEBIT", "6.00")
    ext.check(c, p, asset)


def _lot_maturing_during_an_overdraft(ext, shared=None) -> _Steps:
    c = "EXT-MATURITY-FOLLOWS-CLOCK"
    asset = ext.sandbox.shared_asset("LOT", 2)
    p = ext.sandbox.participant("maturity-overdraft")
    clock = _calibrated(ext, p, asset, c, shared)
    matures = _transition(clock)
    with _before(clock, matures):
        ext.adjust(c, p, asset, "CREDIT", "4.00", matures_at=matures)
        ext.adjust(c, p, asset, "DEBIT", "7.00", allow_negative=True)
        # (quick budget: no read here; the overdraft's answer shows the balance, the deferred
        # lot the first scenario's check before its transition)
        ext.checkpoint(c, p, asset)
    yield matures, clock
    ext.check(c, p, asset)


def _expiring_lot(ext, shared=None) -> _Steps:
    c = "EXT-EXPIRY-FOLLOWS-CLOCK"
    asset = ext.sandbox.asset("LOT", 2)
    p = ext.sandbox.participant("expiry")
    clock = _calibrated(ext, p, asset, c, shared)
    expires = _transition(clock)
    window = (expires - timedelta(days=1), expires + timedelta(days=1), "day")
    with _before(clock, expires):
        ext.adjust(c, p, asset, "CREDIT", "4.00", expires_at=expires)
        ext.operation(c, "hold", p, asset, amount="6.00", reference_id="exp")  # splits the lot
        ext.check(c, p, asset, schedules=[window])
    yield expires, clock
    if ext.every_write:
        ext.check(c, p, asset, schedules=[window])
        ext.adjust(c, p, asset, "DEBIT", "1.00")  # nothing AVAILABLE is left: 422
        ext.check(c, p, asset)
    else:  # quick budget: the refused debit moves nothing, so one read after it shows both
        ext.adjust(c, p, asset, "DEBIT", "1.00")  # nothing AVAILABLE is left: 422
        ext.check(c, p, asset, schedules=[window])


_SCENARIOS: tuple[Callable[..., _Steps], ...] = (
    _maturing_lot,
    _lot_maturing_during_an_overdraft,
    _expiring_lot,
)
_OUTCOMES = (Exception, pytest.skip.Exception, pytest.fail.Exception)


class _Transitions:
    """The module's clock scenarios, each started (up to its transition) or failed there."""

    def __init__(
        self, new_session: Callable[[], LedgerSession], shared_clock: bool = False
    ) -> None:
        self.running: dict[str, _Steps] = {}
        self.failed: dict[str, BaseException] = {}
        transitions = []
        shared = _SharedClock() if shared_clock else None
        for clock_scenario in _SCENARIOS:
            name = clock_scenario.__name__
            try:  # each scenario has a model (and participants) of its own, a retry too
                transitions.append(self._start(name, clock_scenario(new_session(), shared)))
            except _OUTCOMES as exc:
                if not _slowed(exc):
                    self.failed[name] = exc
                    continue
                again = (shared or _SharedClock()).retried()
                try:
                    transitions.append(self._start(name, clock_scenario(new_session(), again)))
                except _OUTCOMES as exc_again:
                    self.failed[name] = exc_again
        for instant, clock in transitions:  # the first waits; the later ones are then past
            clock.wait_past(instant, MARGIN)

    def _start(self, name: str, steps: _Steps) -> tuple[datetime, ServerClock]:
        transition = next(steps)
        self.running[name] = steps
        return transition

    def finish(self, scenario) -> None:
        """Raise what the scenario's start raised, or run its checks after the transition."""
        name = scenario.__name__
        if name in self.failed:
            raise self.failed.pop(name)
        steps = self.running.pop(name)
        for _ in steps:
            pass


@unit_fixture
def transitions(target, wire, run_prefix_name, run_program, run_assets) -> _Transitions:
    """The clock scenarios, started and waited for once (module scope: shared by their tests)."""
    require_feature(target, "extension")

    every_write = bool(target.limits.get("check_every_write", True))

    def fresh() -> LedgerSession:
        session = new_session(wire, run_prefix_name, run_program, run_assets)
        session.every_write = every_write  # as the ``ledger`` fixture's: the budget's checks
        return session

    if not extension_supported(fresh()):
        not_run("the target rejects the x-scrip-conformance-extension fields of adjust (400)")
    # the quick budget calibrates the target's clock once for the three scenarios
    return _Transitions(fresh, shared_clock=not every_write)


@pytest.mark.contract("EXT-MATURITY-FOLLOWS-CLOCK")
@scenario
def test_a_maturing_lot_is_deferred_then_available(transitions):
    transitions.finish(_maturing_lot)


@pytest.mark.contract("EXT-MATURITY-FOLLOWS-CLOCK")
@scenario
def test_a_lot_maturing_during_an_overdraft_settles_it(transitions):
    transitions.finish(_lot_maturing_during_an_overdraft)


@pytest.mark.contract("EXT-EXPIRY-FOLLOWS-CLOCK")
@scenario
def test_an_expiring_lot_is_available_then_expired(transitions):
    transitions.finish(_expiring_lot)


@pytest.mark.contract("EXT-SCHEDULE-WINDOW-EDGE-INSIDE")
@scenario
def test_a_lot_expiring_on_a_window_edge_is_inside(ext, target):
    """Lots expiring a second before, on and a second after an edge, in windows starting,
    ending and starting and ending on it, at each granularity (or, quick budget, at some of
    them in turn per window, so that each is still asked)."""
    c = "EXT-SCHEDULE-WINDOW-EDGE-INSIDE"
    asset = ext.sandbox.asset("LOT", 2)
    p = ext.sandbox.participant("edge")
    edge = datetime(2091, 5, 7, 0, 0, 0, tzinfo=UTC)  # a Monday
    second = timedelta(seconds=1)
    for amount, expiry in (("1.00", edge - second), ("2.00", edge), ("4.00", edge + second)):
        ext.adjust(c, p, asset, "CREDIT", amount, expires_at=expiry)
    per_window = target.limits.get("schedule_granularities")
    windows = [
        (window_from, window_to, granularity)
        for place, (window_from, window_to) in enumerate(
            (
                (edge, edge + timedelta(days=3)),
                (edge - timedelta(days=3), edge),
                (edge, edge),
            )
        )
        for granularity in rotation(("day", "week", "month"), place, per_window)
    ]
    if ext.every_write:
        ext.check(c, p, asset, schedules=windows)  # lots, balance and every window, together
    else:  # quick budget: the windows only (the lots and balance of three plain credits,
        # 2 reads, caught no variant the other write-side checks miss; selftest --quick)
        ext.check_schedules(c, asset, windows)


@pytest.mark.contract("EXT-VOID-HOLD-PROVISIONAL-ONLY")
@scenario
def test_void_hold_cancels_provisional_lots_only(ext):
    c = "EXT-VOID-HOLD-PROVISIONAL-ONLY"
    asset = ext.sandbox.shared_asset("LOT", 2)
    p = ext.sandbox.participant("void")
    if not extension_supported(ext, bucket="HELD", reference_id="probe-ref"):
        not_run("the target rejects reference_id on adjust (400)")
    ext.adjust(c, p, asset, "CREDIT", "7.00", bucket="HELD", reference_id="auth-x")
    ext.adjust(c, p, asset, "CREDIT", "10.00")
    ext.operation(c, "hold", p, asset, amount="2.00", reference_id="auth-x")
    ext.adjust(c, p, asset, "CREDIT", "5.00", bucket="HELD", reference_id="auth-y")
    ext.checkpoint(c, p, asset)
    ext.operation(c, "void-hold", p, asset, reference_id="auth-x")
    ext.checkpoint(c, p, asset)
    ext.operation(c, "release", p, asset, reference_id="auth-y", amount="2.00")  # splits
    ext.operation(c, "void-hold", p, asset, reference_id="auth-y")
    ext.check(c, p, asset)


@pytest.mark.contract("EXT-IDEMPOTENT-CREDIT")
@scenario
def test_a_replayed_credit_is_applied_once(ext, target):
    """A replay with the same amount, and written with fewer digits, answers the first
    response; the quick budget replays it once, as ``5.0`` (the same amount by value: a
    server comparing the text would answer 409), leaving the other two replays (2 requests;
    replay-credits-twice is caught by the first one, selftest --quick)."""
    c = "EXT-IDEMPOTENT-CREDIT"
    asset = ext.sandbox.shared_asset("LOT", 2)
    p = ext.sandbox.participant("credit-replay")
    key = f"{ext.sandbox.prefix}-credit-{p}"
    first, _ = ext.adjust(c, p, asset, "CREDIT", "5.00", idempotency_key=key)
    ext.checkpoint(c, p, asset)
    replays = ("5.00", "5.0", "5")
    if target.limits.get("credit_replays") is not None:
        replays = replays[1 : 1 + target.limits["credit_replays"]]
    for amount in replays:
        again, _ = ext.adjust(c, p, asset, "CREDIT", amount, idempotency_key=key)
        if again.status != 200 or again.body != first.body:
            raise ContractFailure(
                [
                    Violation(
                        c,
                        "a replayed credit did not return the original response",
                        f"200 {first.body!r}",
                        f"{again.status} {again.body!r}",
                        request=again.curl,
                    )
                ]
            )
    ext.checkpoint(c, p, asset)
    ext.adjust(c, p, asset, "CREDIT", "6.00", idempotency_key=key)  # another payload: 409
    ext.adjust(c, p, asset, "DEBIT", "5.00", idempotency_key=key)  # another payload: 409
    ext.check(c, p, asset)
