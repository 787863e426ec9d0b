"""What the write-side tests of one run share (the prefix, program, assets and extension probes)
and the reads they send together: the same answers, judged the same way, with fewer requests."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from part2_broken_ledgers import LifoLedger

from scrip_conformance.model import LedgerModel
from scrip_conformance.provisioning import fixtures
from scrip_conformance.provisioning.sandbox import RunAssets, Sandbox
from scrip_conformance.provisioning.session import LedgerSession, extension_supported
from scrip_conformance.provisioning.wire import HttpWire
from scrip_conformance.violations import ContractFailure


@pytest.fixture
def wire_on(reference) -> Iterator:
    """``wire_on(server=None, concurrency=4)``: a wire to a (started) reference server."""
    wires: list[HttpWire] = []

    def make(server=None, concurrency: int = 4) -> HttpWire:
        server = server or reference()
        wire = HttpWire.connect(server.base_url, "sk_a")
        wire.concurrency = concurrency
        wires.append(wire)
        return wire

    yield make
    for wire in wires:
        wire.close()


def _sent(wire: HttpWire) -> list[str]:
    seen: list[str] = []
    wire.client.observers.append(lambda response: seen.append(response.curl))
    return seen


def test_sessions_sharing_the_run_assets_create_each_kind_of_asset_once(wire_on):
    wire = wire_on()
    shared = RunAssets()
    first = Sandbox(wire, LedgerModel(), shared=shared)
    second = Sandbox(wire, LedgerModel(), first.prefix, first.program_id, shared)
    sent = _sent(wire)
    lot = first.shared_asset("LOT", 2)
    assert second.shared_asset("LOT", 2) == lot  # no second create
    assert second.shared_asset("LOT", 0) != lot
    assert [line.count("POST") for line in sent] == [1, 1]
    assert second.model.knows_asset(lot.id) and first.model.knows_asset(lot.id)
    assert Sandbox(wire, LedgerModel(), first.prefix, first.program_id).shared_asset() != lot


def test_two_sessions_on_a_shared_asset_judge_only_their_own_participants(wire_on):
    wire = wire_on()
    shared = RunAssets()
    program = Sandbox(wire, LedgerModel(), "scshare").program_id  # the run's one program
    sessions = []
    for _ in range(2):
        model = LedgerModel()
        sessions.append(
            LedgerSession(wire, Sandbox(wire, model, "scshare", program, shared), model)
        )
    for n, session in enumerate(sessions, start=1):
        asset = session.sandbox.shared_asset("LOT", 2)
        p = session.sandbox.participant("own")
        session.adjust("PROV-FIFO-CONSUMPTION", p, asset, "CREDIT", f"{n}.00")
        session.operation("PROV-FIFO-CONSUMPTION", "hold", p, asset, amount="0.50")
        session.check("PROV-FIFO-CONSUMPTION", p, asset)


def test_the_extension_probe_is_sent_once_per_run_and_set_of_fields(wire_on):
    wire = wire_on()
    shared = RunAssets()
    program = Sandbox(wire, LedgerModel(), "scprobe").program_id  # the run's one program
    sessions = [
        LedgerSession(wire, Sandbox(wire, model, "scprobe", program, shared), model)
        for model in (LedgerModel(), LedgerModel())
    ]
    assert extension_supported(sessions[0])
    sent = _sent(wire)
    assert extension_supported(sessions[1])
    assert sent == []  # asked already
    assert extension_supported(sessions[1], bucket="HELD", reference_id="probe-ref")
    assert len(sent) == 1 and "/balances/adjust" in sent[0]  # the run's probe participant


def test_reads_sent_together_come_back_in_the_order_asked_as_if_sent_one_by_one(reference, wire_on):
    server = reference()
    wire = wire_on(server, concurrency=4)
    serial = wire_on(server, concurrency=1)
    box = Sandbox(wire, LedgerModel())
    assets = [box.asset("LOT", 2), box.asset("SIMPLE", 2), box.asset("LOT", 0)]
    reads = [(f"/v1/assets/{a.id}", {}) for a in assets] + [("/v1/assets", {"limit": 2})]
    sent = _sent(wire)
    together = wire.get_many(reads)
    assert [r.body for r in together] == [r.body for r in serial.get_many(reads)]
    assert [r.body["id"] for r in together[:3]] == [a.id for a in assets]
    assert [line.split("/v1/")[1] for line in sent] == [r.curl.split("/v1/")[1] for r in together]


def test_reads_with_another_key_go_with_that_key(reference, wire_on):
    wire = wire_on(reference(), concurrency=4)
    box = Sandbox(wire, LedgerModel())
    asset = box.asset("LOT", 2)
    other = wire.with_key("sk_b")
    answers = other.get_many([(f"/v1/assets/{asset.id}", {}), ("/v1/programs", {})])
    assert answers[0].status == 404  # another organization's asset
    assert answers[1].status == 200 and box.program_id not in str(answers[1].body)


def test_a_check_of_several_positions_sends_its_reads_together_and_still_catches(reference):
    server = reference(LifoLedger)
    wire = HttpWire.connect(server.base_url, "sk_a")
    wire.concurrency = 4
    try:
        model = LedgerModel()
        session = LedgerSession(wire, Sandbox(wire, model, shared=RunAssets()), model)
        p = session.sandbox.participant("many")
        lot, simple = session.sandbox.shared_asset("LOT", 2), session.sandbox.shared_asset("SIMPLE")
        session.adjust("PROV-FIFO-CONSUMPTION", p, simple, "CREDIT", "3.00")
        for amount in ("1.00", "2.00"):
            session.adjust("PROV-FIFO-CONSUMPTION", p, lot, "CREDIT", amount)
        session.adjust("PROV-FIFO-CONSUMPTION", p, lot, "DEBIT", "0.50", judge=False)
        with pytest.raises(ContractFailure) as failure:
            session.check_all("PROV-FIFO-CONSUMPTION", [(p, simple), (p, lot)])
        assert {v.contract_id for v in failure.value.violations} == {"PROV-FIFO-CONSUMPTION"}
    finally:
        wire.close()


def test_every_profile_directory_of_a_run_gets_the_same_prefix_program_and_assets(wire_on):
    wire = wire_on()
    config = SimpleNamespace(stash=pytest.Stash())
    request = SimpleNamespace(config=config)
    made = [
        (
            fixtures.run_prefix_name.__wrapped__(request),  # type: ignore[attr-defined]
            fixtures.run_assets.__wrapped__(request),  # type: ignore[attr-defined]
        )
        for _ in range(2)
    ]
    assert made[0][0] == made[1][0] and made[0][1] is made[1][1]
    sent = _sent(wire)
    programs = {
        fixtures.run_program.__wrapped__(request, wire, made[0][0])  # type: ignore[attr-defined]
        for _ in range(2)
    }
    assert len(programs) == 1 and len(sent) == 1
