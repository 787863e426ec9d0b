"""Idempotent replays, write answers agreeing with reads, and the schedule of the run's asset."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from scrip_conformance.model import Balance
from scrip_conformance.model.judge import balance_violations
from scrip_conformance.provisioning.fixtures import places
from scrip_conformance.provisioning.session import extension_supported
from scrip_conformance.provisioning.side_by_side import scenario
from scrip_conformance.sampling import rotation
from scrip_conformance.violations import ContractFailure, Violation, raise_if_any


def _same_answer(contract: str, original, replay) -> None:
    if replay.status != 200 or replay.body != original.body:
        raise ContractFailure(
            [
                Violation(
                    contract,
                    "a replay did not return the original response",
                    f"200 {original.body!r}",
                    f"{replay.status} {replay.body!r}",
                    request=replay.curl,
                )
            ]
        )


@pytest.mark.contract("PROV-IDEMPOTENT-REPLAY")
@scenario
def test_a_replay_returns_the_original_response_and_applies_nothing(ledger):
    c = "PROV-IDEMPOTENT-REPLAY"
    asset = ledger.sandbox.shared_asset("LOT", 2)
    p = ledger.sandbox.participant("replay")
    ledger.adjust(c, p, asset, "CREDIT", "10.00")
    ledger.adjust(c, p, asset, "CREDIT", "10.00")
    ledger.checkpoint(c, p, asset)
    key = f"{ledger.sandbox.prefix}-hold-{p}"
    first, _ = ledger.operation(
        c, "hold", p, asset, amount="4.00", reference_id="rp", idempotency_key=key
    )
    again, _ = ledger.operation(
        c, "hold", p, asset, amount="4.0", reference_id="rp", idempotency_key=key
    )
    _same_answer(c, first, again)
    ledger.checkpoint(c, p, asset)
    key = f"{ledger.sandbox.prefix}-forfeit-{p}"
    first, _ = ledger.operation(
        c, "forfeit", p, asset, bucket="AVAILABLE", amount="3.00", idempotency_key=key
    )
    again, _ = ledger.operation(
        c, "forfeit", p, asset, bucket="AVAILABLE", amount="3.00", idempotency_key=key
    )
    _same_answer(c, first, again)
    ledger.check(c, p, asset)


@pytest.mark.contract("PROV-IDEMPOTENCY-CONFLICT")
@scenario
def test_a_reused_key_with_another_payload_is_a_conflict(ledger):
    c = "PROV-IDEMPOTENCY-CONFLICT"
    asset = ledger.sandbox.shared_asset("LOT", 2)
    p = ledger.sandbox.participant("conflict")
    ledger.adjust(c, p, asset, "CREDIT", "10.00")
    key = f"{ledger.sandbox.prefix}-conflict-{p}"
    ledger.operation(c, "hold", p, asset, amount="4.00", idempotency_key=key)
    ledger.operation(c, "hold", p, asset, amount="5.00", idempotency_key=key)
    ledger.operation(c, "hold", p, asset, amount="4.00", reference_id="x", idempotency_key=key)
    ledger.check(c, p, asset)


@pytest.mark.contract("PROV-WRITE-BALANCE-MATCHES-READ")
@scenario
def test_every_write_answer_agrees_with_the_reads_after_it(ledger, target, witness):
    """Each write's balance against the balances list and the participant detail read right
    after it: both reads after every write, or (quick budget) one of them in turn, shifted per
    asset so that each kind of write meets both reads; on a LOT asset of scale 2, one of scale
    0 and a SIMPLE one (quick budget: the first only, its holds leave held value that a write
    answer must show)."""
    c = "PROV-WRITE-BALANCE-MATCHES-READ"
    per_write = target.limits.get("write_reads")
    p = ledger.sandbox.participant("answers")  # one participant, a balance per asset
    assets = places(target, (("LOT", 2), ("LOT", 0), ("SIMPLE", 2)))
    for index, (mode, scale) in enumerate(assets):
        asset = ledger.sandbox.shared_asset(mode, scale)
        unit = "" if scale == 0 else ".00"
        writes = [
            ("adjust", "CREDIT", {"amount": "9" + unit}),
            ("hold", None, {"amount": "4" + unit}),
            ("adjust", "DEBIT", {"amount": "2" + unit}),
            ("release", None, {"amount": "1" + unit}),
            ("forfeit", None, {"bucket": "HELD"}),
            ("adjust", "DEBIT", {"amount": "6" + unit, "allow_negative": True}),
        ]
        for step, (name, kind, fields) in enumerate(writes):
            if name == "adjust":
                amount = fields.pop("amount")
                reply, _ = ledger.adjust(c, p, asset, kind, amount, judge=False, **fields)
            else:
                reply, _ = ledger.operation(c, name, p, asset, judge=False, **fields)
            if reply.status != 200:
                raise ContractFailure(
                    [
                        Violation(
                            c,
                            "a valid write was refused",
                            "200",
                            f"{reply.status} {reply.body!r}",
                            request=reply.curl,
                        )
                    ]
                )
            reads = rotation(READS, index + step, per_write)
            _agrees_with_reads(ledger, c, p, asset, reply, reads)
            witness(c, "write answers compared with the reads after them", 1)


READS = ("list", "detail")  # the balances list and the participant detail's balances


def _agrees_with_reads(ledger, contract, p, asset, reply, reads=READS) -> None:
    figures = reply.body.get("balance") or {}
    try:
        answered = Balance(*(Decimal(str(figures[k])) for k in ("available", "held", "deferred")))
    except (KeyError, TypeError, AttributeError, ArithmeticError):
        raise ContractFailure(
            [
                Violation(
                    contract,
                    "the write's answer has no readable balance",
                    "balance {available, held, deferred}",
                    repr(figures),
                    request=reply.curl,
                )
            ]
        ) from None
    if "list" in reads:
        row, read = ledger.read_balance(p, asset)
        raise_if_any(
            balance_violations(contract, answered, row, asset.scale, "balances list row"),
            read.curl,
        )
    if "detail" not in reads:
        return
    detail = ledger.wire.get(f"/v1/participants/{p}")
    rows = [r for r in (detail.body or {}).get("balances") or [] if r.get("asset_id") == asset.id]
    raise_if_any(
        balance_violations(
            contract,
            answered,
            rows[0] if rows else None,
            asset.scale,
            "participant detail balances",
        ),
        detail.curl,
    )


@pytest.mark.contract("PROV-SCHEDULE-MATCHES-MODEL")
@scenario
def test_the_schedule_of_the_run_asset_matches_the_model(ledger, target):
    """The asset's schedule in four windows against the model (quick budget: the first
    ``model_schedule_windows``, a month window with lots on both sides and a week window
    ending on a lot's expiry; the day window and the all-covering one bought no variant
    the other two, EXT-SCHEDULE-WINDOW-EDGE-INSIDE and the SCHEDULE-* contracts miss)."""
    c = "PROV-SCHEDULE-MATCHES-MODEL"
    asset = ledger.sandbox.asset("LOT", 2)
    p = ledger.sandbox.participant("schedule")
    with_expiry = extension_supported(ledger)
    expiries = [
        datetime(2090, m, d, h, tzinfo=UTC)
        for m, d, h in ((1, 5, 0), (1, 31, 23), (2, 1, 0), (3, 2, 12), (3, 9, 0), (7, 1, 0))
    ]
    for i, expiry in enumerate(expiries):
        ledger.adjust(
            c, p, asset, "CREDIT", f"{i + 1}.25", expires_at=expiry if with_expiry else None
        )
    ledger.adjust(c, p, asset, "CREDIT", "100.00")
    ledger.adjust(c, p, asset, "CREDIT", "3.00", bucket="HELD")
    ledger.adjust(c, p, asset, "DEBIT", "1.50")
    ledger.operation(c, "hold", p, asset, amount="2.00")
    windows = [
        (datetime(2090, 1, 10, tzinfo=UTC), datetime(2090, 3, 5, tzinfo=UTC), "month"),
        (datetime(2090, 1, 1, tzinfo=UTC), datetime(2090, 3, 9, tzinfo=UTC), "week"),
        (datetime(2090, 1, 31, tzinfo=UTC), datetime(2090, 2, 1, tzinfo=UTC), "day"),
        (datetime(2080, 1, 1, tzinfo=UTC), datetime(2095, 1, 1, tzinfo=UTC), "month"),
    ]
    windows = windows[: target.limits.get("model_schedule_windows", len(windows))]
    ledger.check(c, p, asset, schedules=windows)  # lots, balance and the schedules
