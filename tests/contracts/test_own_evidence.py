"""The run's own evidence (``provisioning.evidence``): on an empty organization it gives the
read-only walk one lot list with every status, dated lots, reference ids, several balance rows and
a SIMPLE asset; a target refusing a past expiry still gets an EXPIRED lot (the build waits for
it); and the walk includes the evidence whatever its limits."""

from __future__ import annotations

import pytest

from scrip_conformance.client import TargetClient
from scrip_conformance.discovery import Discovery
from scrip_conformance.model import LedgerModel
from scrip_conformance.provisioning import evidence
from scrip_conformance.provisioning.sandbox import Sandbox, run_prefix
from scrip_conformance.provisioning.wire import HttpWire
from scrip_conformance.reference.errors import validation
from scrip_conformance.reference.ledger import Ledger
from scrip_conformance.reference.server import ReferenceServer
from scrip_conformance.target import resolve

KEY = "sk_evidence"
STATUSES = {"AVAILABLE", "HELD", "DEFERRED", "CONSUMED", "EXPIRED"}


class RefusesPastExpiry(Ledger):
    """A correct server may refuse a credit whose expires_at is already past."""

    def adjust(self, org, participant_id, body):
        expires = body.get("expires_at")
        if expires and self.parse_time(expires, "expires_at") <= self.now():
            raise validation("expires_at must be in the future")
        return super().adjust(org, participant_id, body)


def _target(server: ReferenceServer, **limits):
    options = {"base_url": server.base_url, "api_key": KEY, "budget": "quick", "scrip_seed": 3}
    options["profile"] = ["read-only", "provisioning"]
    return resolve({**options, **limits}, {})


def _build(server: ReferenceServer, sleep=lambda seconds: None, concurrency: int = 1):
    client = TargetClient(server.base_url, KEY, read_only=False)
    wire = HttpWire(client, concurrency=concurrency)
    prefix = run_prefix()
    program = Sandbox(wire, LedgerModel(), prefix).program_id
    return client, evidence.build(wire, prefix, program, sleep=sleep)


@pytest.fixture
def empty_server():
    with ReferenceServer(api_keys={KEY: "org-evidence"}) as server:
        yield server


@pytest.mark.parametrize("concurrency", [1, 4])
def test_an_empty_organization_gets_every_lot_status_and_what_the_walk_needs(
    empty_server, concurrency
):
    client, made = _build(empty_server, concurrency=concurrency)
    assert made.missing == []
    discovery = Discovery(
        client,
        _target(empty_server),
        include_assets=made.asset_ids,
        include_participants=made.participants,
    ).run()
    richest = discovery.kept_lists[0]
    assert {lot["status"] for lot in richest.lots} == STATUSES
    assert len({lot["reference_id"] for lot in richest.lots if lot["reference_id"]}) >= 2
    assert sum(1 for lot in richest.lots if lot["expires_at"]) >= 3
    assert discovery.simple_assets()
    assert discovery.multi_balance_sample.items  # a participant with several balance rows
    assert len(discovery.lists_sample.items) >= 2  # lot lists of three lots or more
    assert discovery.participant_count == len(made.participants) == 6
    assert discovery.overdrawn_assets  # a negative available balance (D-OVERDRAFT)
    statuses = {a.get("status") for a in discovery.asset_by_id().values()}
    assert statuses == {"ACTIVE", "ARCHIVED"}
    listed = client.get("/v1/participants", {"limit": 200}).body["data"]
    assert {p["status"] for p in listed} == {"ACTIVE", "SUSPENDED", "CLOSED"}
    assert not list(discovery.findings)


def test_a_target_refusing_a_past_expiry_gets_a_lot_that_expires_at_once_and_the_build_waits():
    waits: list[float] = []
    with ReferenceServer(api_keys={KEY: "org-evidence"}, ledger_factory=RefusesPastExpiry) as srv:
        _client, made = _build(srv, sleep=waits.append)
    assert made.lots.get("EXPIRED") == 1
    assert made.missing == []
    assert waits and 0 < waits[0] <= 10  # until the lot surely expired, clock skew included


def test_the_walk_includes_the_evidence_beyond_its_limits(empty_server):
    client = TargetClient(empty_server.base_url, KEY, read_only=False)
    wire = HttpWire(client)
    other = Sandbox(wire, LedgerModel(), "zzother")
    for _ in range(3):
        other.asset("LOT", 2)
        other.participant()
    _client, made = _build(empty_server)
    target = _target(empty_server, max_assets="1", max_participants="1")
    discovery = Discovery(
        client, target, include_assets=made.asset_ids, include_participants=made.participants
    ).run()
    assert not discovery.complete  # the limits did cut the walk
    assert set(made.asset_ids) <= set(discovery.asset_by_id())
    assert set(made.participants) <= discovery.walked_participants
    assert STATUSES <= {lot["status"] for kept in discovery.kept_lists for lot in kept.lots}
    # the run's own assets are read whole: the sums over them can still be judged
    assert set(made.asset_ids) <= discovery.complete_assets()
    unreached = " | ".join(discovery.unreached())
    assert "--max-assets 1" in unreached and "--max-participants 1" in unreached


def test_a_complete_walk_reaches_everything_and_says_so(empty_server):
    client, made = _build(empty_server)
    discovery = Discovery(client, _target(empty_server)).run()
    assert discovery.complete and discovery.unreached() == []
    assert set(made.asset_ids) <= discovery.complete_assets()


def _shape(made: evidence.Evidence) -> tuple:
    """What a build made, without the run's random prefix and the servers' ids."""
    return (
        list(made.lots.items()),
        [ref.replace(made.prefix, "PREFIX") for ref in made.reference_ids],
        [line.replace(made.prefix, "PREFIX") for line in made.missing],
        len(made.participants),
        [(asset.inventory_mode, asset.scale) for asset in made.assets],
    )


class NoExtension(Ledger):
    """Refuses the extension fields, as D-EXTENSION allows."""

    def adjust(self, org, participant_id, body):
        if any(f in body for f in ("expires_at", "matures_at", "reference_id")):
            raise validation("unknown field")
        return super().adjust(org, participant_id, body)


def test_a_target_without_the_extension_fields_is_noted_not_raised():
    with ReferenceServer(api_keys={KEY: "org-evidence"}, ledger_factory=NoExtension) as srv:
        _client, made = _build(srv)
    assert made.lots.get("CONSUMED") == 1 and made.lots.get("HELD") == 2
    assert any("extension" in line for line in made.missing)
    assert "EXPIRED" not in made.lots


def test_on_an_empty_organization_a_writing_run_catches_an_expired_lot_keeping_value(
    run_read_only,
):
    """The issue's escape: with nothing to walk, LOT-FINAL-HOLDS-NOTHING proved nothing; the
    run's own evidence holds an EXPIRED lot, so the bug is caught on an empty organization."""
    from scrip_conformance.selftest.variants.lots import ExpiredLotKeepsRemaining

    only = ("--contract", "LOT-FINAL-HOLDS-NOTHING")
    writing = ("--profile", "read-only,provisioning")
    keys = {"sk_a": "org-a"}
    with ReferenceServer(api_keys=keys, ledger_factory=ExpiredLotKeepsRemaining) as server:
        read_only = run_read_only(server, *only)
        bad = run_read_only(server, *only, *writing)
    assert "1 skipped" in read_only.output, read_only.output  # nothing to judge: not run
    assert bad.failed_contracts() == {"LOT-FINAL-HOLDS-NOTHING"}, bad.output
    with ReferenceServer(api_keys=keys) as server:
        good = run_read_only(server, *only, *writing)
    assert good.returncode == 0 and "1 passed" in good.output, good.output


def test_what_the_evidence_lacks_is_said_in_the_run(run_read_only):
    with ReferenceServer(api_keys={"sk_a": "org-a"}, ledger_factory=NoExtension) as server:
        run = run_read_only(
            server, "--profile", "read-only,provisioning", "--contract", "LOT-FINAL-HOLDS-NOTHING"
        )
    assert run.returncode == 0, run.output
    assert "the run's own evidence lacks DEFERRED, EXPIRED and dated lots" in run.output


def test_an_extension_declared_unsupported_is_never_sent(empty_server):
    client = TargetClient(empty_server.base_url, KEY, read_only=False)
    sent: list[str] = []
    client.observers.append(lambda response: sent.append(response.curl))
    wire = HttpWire(client)
    prefix = run_prefix()
    program = Sandbox(wire, LedgerModel(), prefix).program_id
    made = evidence.build(wire, prefix, program, sleep=lambda s: None, extension=False)
    assert sent and not any("expires_at" in line or "matures_at" in line for line in sent)
    assert "EXPIRED" not in made.lots and "DEFERRED" not in made.lots
    assert made.lots.get("CONSUMED") == 1 and made.lots.get("HELD") == 2
    assert any("declared unsupported" in line for line in made.missing)


@pytest.mark.parametrize("ledger", [Ledger, NoExtension, RefusesPastExpiry])
def test_the_evidence_built_chains_at_a_time_holds_what_the_serial_build_holds(ledger):
    shapes = []
    for concurrency in (1, 4):
        with ReferenceServer(api_keys={KEY: "org-evidence"}, ledger_factory=ledger) as srv:
            _client, made = _build(srv, concurrency=concurrency)
        shapes.append(_shape(made))
    assert shapes[0] == shapes[1]
    assert shapes[0][0]  # something was made
