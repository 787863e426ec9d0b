"""The provisioning, extension, concurrency and isolation profiles pass against the reference
and fail, naming the right contract, against reference ledgers with one deliberate bug each."""

from __future__ import annotations

import inspect
from types import SimpleNamespace

import pytest
from part2_broken_ledgers import (
    ExpiredKeepsRemainingLedger,
    LeakyAssetLedger,
    LifoLedger,
    LostForfeitLedger,
    NoExtensionLedger,
    RacyLedger,
    ReplayCreditsAgainLedger,
    WholeLotHoldLedger,
)
from part2_contracts import contract_test

from scrip_conformance import catalog
from scrip_conformance.provisioning.stateful import run_stateful
from scrip_conformance.selftest.variants.ledger_ops import BalanceCacheNotInvalidated
from scrip_conformance.target import BUDGET_LIMITS
from scrip_conformance.violations import ContractFailure


def test_every_write_side_profile_passes_against_the_reference(reference, run_suite):
    run = run_suite(reference(), "--scrip-seed", "11")
    assert run.returncode == 0, run.output
    not_passed = [
        line for line in run.output.splitlines() if line.startswith(("SKIPPED", "FAILED"))
    ]
    assert not not_passed, run.output  # every contract ran, none was reported as not run
    assert run.count("passed") == len(_catalogued()) + EXTRA_TESTS, run.output


def _catalogued() -> dict[str, str]:
    return {
        c.id: c.profile
        for c in catalog.load().values()
        if c.id.split("-")[0] in ("PROV", "EXT", "CONC", "ISO")
    }


# contracts verified by more than one test: EXT-MATURITY-FOLLOWS-CLOCK (2 tests)
EXTRA_TESTS = 1


def test_the_write_side_contracts_are_catalogued_under_their_profiles():
    mine = _catalogued()
    assert {mine[i] for i in mine} == {"provisioning", "extension", "concurrency", "isolation"}
    assert mine["PROV-MODEL-STATEFUL"] == "provisioning"
    assert mine["CONC-DEBIT-BURST-SERIALIZABLE"] == "concurrency"


# (broken ledger, profile, contract module, contract test, the contract it must name)
BROKEN = [
    pytest.param(
        LifoLedger,
        "provisioning",
        "test_prov_lot_operations",
        "test_debits_consume_the_oldest_lots_first",
        "PROV-FIFO-CONSUMPTION",
        id="lifo-consumption",
    ),
    pytest.param(
        WholeLotHoldLedger,
        "provisioning",
        "test_prov_lot_operations",
        "test_a_partial_hold_splits_the_lot",
        "PROV-HOLD-SPLITS-LOT",
        id="hold-takes-the-whole-lot",
    ),
    pytest.param(
        LostForfeitLedger,
        "provisioning",
        "test_prov_replays_and_reads",
        "test_every_write_answer_agrees_with_the_reads_after_it",
        "PROV-WRITE-BALANCE-MATCHES-READ",
        id="lost-write",
    ),
    pytest.param(
        ReplayCreditsAgainLedger,
        "extension",
        "test_ext_clock_and_extensions",
        "test_a_replayed_credit_is_applied_once",
        "EXT-IDEMPOTENT-CREDIT",
        id="replayed-credit-applied-twice",
    ),
    pytest.param(
        ExpiredKeepsRemainingLedger,
        "extension",
        "test_ext_clock_and_extensions",
        "test_an_expiring_lot_is_available_then_expired",
        "EXT-EXPIRY-FOLLOWS-CLOCK",
        id="expired-lot-keeps-remaining",
    ),
    pytest.param(
        RacyLedger,
        "concurrency",
        "test_conc_bursts",
        "test_simultaneous_debits_end_as_some_serial_order",
        "CONC-DEBIT-BURST-SERIALIZABLE",
        id="read-modify-write-race",
    ),
]


@pytest.mark.parametrize(("ledger", "profile", "module", "name", "contract"), BROKEN)
def test_a_broken_ledger_fails_the_contract_it_breaks(
    reference, session_on, ledger, profile, module, name, contract
):
    test = contract_test(profile, module, name)
    session = session_on(reference(ledger))
    session.every_write = False  # the quick budget's checks: at the test's checkpoints only
    quick = SimpleNamespace(budget="quick", limits=BUDGET_LIMITS["quick"])
    recorded: list[tuple] = []
    fixtures = {
        "ledger": session,
        "ext": session,
        "target": quick,
        "witness": lambda *args: recorded.append(args),
    }
    wanted = inspect.signature(test).parameters
    with pytest.raises(ContractFailure) as failure:
        if "transitions" in wanted:  # the clock scenarios start (and wait) in a module fixture
            fixtures["transitions"] = test.__globals__["_Transitions"](lambda: session)
        test(**{n: fixtures[n] for n in wanted})
    violations = failure.value.violations
    assert {v.contract_id for v in violations} == {contract}, str(failure.value)
    assert all(v.request and v.request.startswith("curl -X ") for v in violations)
    assert all("[REDACTED]" in v.request and "sk_a" not in v.request for v in violations)


def test_a_second_org_seeing_an_asset_fails_the_isolation_contract(reference, run_suite):
    run = run_suite(
        reference(LeakyAssetLedger), "--contract", "ISO-READS-404", profiles=("isolation",)
    )
    assert run.returncode == 1, run.output
    assert run.failed_contracts() == {"ISO-READS-404"}, run.output
    assert "[REDACTED]" in run.output and "sk_b" not in run.output


def test_the_model_based_state_machine_finds_the_bug_and_shrinks_it(reference, session_on):
    session = session_on(reference(LifoLedger))
    asset = session.sandbox.asset("LOT", 2)
    with pytest.raises(ContractFailure) as failure:
        run_stateful(
            session.wire, session.sandbox.prefix, session.program_id, asset, seed=1, budget="quick"
        )
    [first, *_] = failure.value.violations
    assert first.contract_id == "PROV-MODEL-STATEFUL", str(failure.value)
    steps = first.summary.split("after the steps: ")[1]
    assert steps.startswith("opening_credits(amounts=["), steps
    assert steps.count("(") <= 5, steps  # shrunk: a handful of steps (10 s of shrinking)


def test_the_quick_state_machine_still_catches_a_balance_that_goes_stale_after_a_hold(
    reference, session_on
):
    session = session_on(reference(BalanceCacheNotInvalidated))  # the selftest's variant
    asset = session.sandbox.asset("LOT", 2)
    with pytest.raises(ContractFailure) as failure:
        run_stateful(
            session.wire, session.sandbox.prefix, session.program_id, asset, seed=1, budget="quick"
        )
    assert {v.contract_id for v in failure.value.violations} == {"PROV-MODEL-STATEFUL"}


def test_a_checkpoint_reads_the_state_only_when_every_write_is_checked(reference, session_on):
    session = session_on(reference())
    asset = session.sandbox.asset("LOT", 2)
    p = session.sandbox.participant("checkpoint")
    session.adjust("PROV-FIFO-CONSUMPTION", p, asset, "CREDIT", "5.00")
    sent: list[str] = []
    session.wire.client.observers.append(lambda response: sent.append(response.curl))
    session.every_write = False  # the quick budget: the test's final check proves the state
    session.checkpoint("PROV-FIFO-CONSUMPTION", p, asset)
    assert sent == []
    session.every_write = True
    session.checkpoint("PROV-FIFO-CONSUMPTION", p, asset)
    assert len(sent) == 2 and "/balances/lots" in sent[0]  # the lots, then the balance row


def test_extension_contracts_are_not_run_on_a_target_without_the_extension(reference, run_suite):
    run = run_suite(reference(NoExtensionLedger), profiles=("extension",))
    assert run.returncode == 0, run.output
    assert run.count("skipped") == 6 and run.count("passed") == 0, run.output
    assert run.output.count("not run: the target rejects the x-scrip-conformance-extension") == 6


def test_isolation_contracts_are_not_run_without_a_second_key(reference, run_suite):
    run = run_suite(reference(), "--second-org-key", "", profiles=("isolation",))
    assert run.returncode == 0, run.output
    assert run.output.count("not run: no second organization's key") == 3, run.output


def test_at_checkpoints_only_an_operation_takes_new_lot_ids_from_its_answer(reference, session_on):
    session = session_on(reference())
    asset = session.sandbox.asset("LOT", 2)
    p = session.sandbox.participant("ids-from-answers")
    sent: list[str] = []
    session.wire.client.observers.append(lambda response: sent.append(response.curl))
    session.every_write = False  # the quick budget
    session.adjust("PROV-HOLD-SPLITS-LOT", p, asset, "CREDIT", "10.00")
    session.adjust("PROV-HOLD-SPLITS-LOT", p, asset, "CREDIT", "5.00")
    session.operation("PROV-HOLD-SPLITS-LOT", "hold", p, asset, amount="12.00")  # judged
    assert not any("/balances/lots" in curl for curl in sent), sent
    session.check_lots("PROV-HOLD-SPLITS-LOT", p, asset)  # the ids the answer gave agree
    session.every_write = True
    sent.clear()
    session.adjust("PROV-HOLD-SPLITS-LOT", p, asset, "CREDIT", "1.00")
    session.operation("PROV-HOLD-SPLITS-LOT", "hold", p, asset, amount="2.00")
    assert "/balances/lots" in sent[1]  # every budget but quick: the lots are read first


@pytest.mark.parametrize("shared_clock", [False, True])
def test_the_quick_clock_scenarios_calibrate_once_and_still_pass(
    reference, session_on, shared_clock
):
    """The quick budget's clock scenarios calibrate the target's clock once (the later two
    read no lots for it) and pass against the reference as when each calibrates its own."""
    test = contract_test(
        "extension",
        "test_ext_clock_and_extensions",
        "test_an_expiring_lot_is_available_then_expired",
    )
    session = session_on(reference())
    session.every_write = False  # the quick budget's checks
    sent: list[str] = []
    session.wire.client.observers.append(lambda response: sent.append(response.curl))
    transitions = test.__globals__["_Transitions"](lambda: session, shared_clock=shared_clock)
    assert not transitions.failed
    lot_reads = sum("/balances/lots" in curl for curl in sent)
    # calibrations (1 or 3), the first scenario's check before its transition, the read
    # before the expiring lot's hold (it may expire before the hold) and that scenario's check
    assert lot_reads == (4 if shared_clock else 6)
    for scenario in test.__globals__["_SCENARIOS"]:
        transitions.finish(scenario)
