"""The suite's own data on the target: a program, assets and participants under a run prefix.

Everything is created through the write API and named with a per-run prefix, so runs never
collide and nothing has to be deleted afterwards (clean-up never depends on an optional
endpoint). Each asset is registered in the model as it is created. Tests that judge only their
own participants' lots and balances share the run's assets (:class:`RunAssets`): a participant
of their own keeps their models apart, and every asset created costs a second request when the
run retires its sandbox.
"""

from __future__ import annotations

import itertools
import secrets
import threading
from dataclasses import dataclass, field

from scrip_conformance.model import LedgerModel
from scrip_conformance.provisioning.wire import HttpWire, Reply
from scrip_conformance.safety import writes
from scrip_conformance.violations import ContractFailure, Violation

SETUP_CONTRACT = "PROV-SANDBOX-SETUP"
_COUNTERS: dict[str, itertools.count] = {}  # one name counter per prefix: names never repeat


def run_prefix() -> str:
    """A fresh prefix, unique per run (random, not seeded: uniqueness is the point)."""
    return "sc" + secrets.token_hex(4)


@dataclass(frozen=True)
class AssetRef:
    id: str
    inventory_mode: str
    scale: int
    symbol: str
    name: str = ""


@dataclass
class RunAssets:
    """What the tests of one run share: an asset per inventory mode and scale (created by the
    first test asking for it) and the answers of the extension probes (a property of the target,
    asked once per run)."""

    assets: dict[tuple[str, int], AssetRef] = field(default_factory=dict)
    probes: dict[tuple[str, ...], bool] = field(default_factory=dict)
    probe_participant: str | None = None
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)
    """Held while one of them is made: scenarios running side by side make each only once."""


class Sandbox:
    """Creates and remembers the run's program, assets and participants."""

    def __init__(
        self,
        wire: HttpWire,
        model: LedgerModel,
        prefix: str | None = None,
        program_id: str | None = None,
        shared: RunAssets | None = None,
    ) -> None:
        self.wire = wire
        self.model = model
        self.prefix = prefix or run_prefix()
        self.shared = shared  # None: every asset asked for is a new one
        writes.current().allow_prefix(self.prefix)  # the run's names: upserts by them are its own
        self._counter = _COUNTERS.setdefault(self.prefix, itertools.count(1))
        self._program_id = program_id
        self.external_ids: dict[str, str] = {}  # participant id -> the external_id it was given

    def _expect(self, reply: Reply, statuses: tuple[int, ...], what: str) -> dict:
        if (
            reply.status not in statuses
            or not isinstance(reply.body, dict)
            or "id" not in reply.body
        ):
            raise ContractFailure(
                [
                    Violation(
                        SETUP_CONTRACT,
                        f"the suite could not {what}",
                        f"{' or '.join(map(str, statuses))} with the created resource",
                        f"{reply.status} {str(reply.body)[:300]}",
                        request=reply.curl,
                    )
                ]
            )
        return reply.body

    def _name(self, label: str) -> str:
        return f"{self.prefix}-{label}-{next(self._counter)}"

    @property
    def program_id(self) -> str:
        if self._program_id is None:
            reply = self.wire.post(
                "/v1/programs",
                {"name": self._name("program"), "description": "scrip-conformance run data"},
            )
            self._program_id = self._expect(reply, (201,), "create its program")["id"]
        return self._program_id

    def asset(
        self,
        inventory_mode: str = "LOT",
        scale: int = 2,
        max_transaction_amount: str | None = None,
    ) -> AssetRef:
        n = next(self._counter)
        symbol = f"{self.prefix}{n}"[:16].upper()
        name = f"{self.prefix}-asset-{n}"
        body = {
            "program_id": self.program_id,
            "name": name,
            "symbol": symbol,
            "inventory_mode": inventory_mode,
            "issuance_policy": "UNLIMITED",
            "scale": scale,
        }
        if max_transaction_amount is not None:
            body["max_transaction_amount"] = max_transaction_amount
        created = self._expect(self.wire.post("/v1/assets", body), (201,), "create an asset")
        self.model.add_asset(
            created["id"],
            inventory_mode=inventory_mode,
            scale=scale,
            max_transaction_amount=max_transaction_amount,
            name=name,
            symbol=symbol,
        )
        return AssetRef(created["id"], inventory_mode, scale, symbol, name)

    def shared_asset(self, inventory_mode: str = "LOT", scale: int = 2) -> AssetRef:
        """The run's shared asset of this mode and scale, registered in this sandbox's model
        (created on first use; a new asset when the sandbox shares nothing). Only for tests
        that judge their own participants' lots and balances, never an asset-wide figure (the
        schedule, the liability) nor the asset itself (archive, links, ceilings)."""
        if self.shared is None:
            return self.asset(inventory_mode, scale)
        with self.shared.lock:
            ref = self.shared.assets.get((inventory_mode, scale))
            if ref is None:
                ref = self.asset(inventory_mode, scale)
                self.shared.assets[(inventory_mode, scale)] = ref
                return ref
        if not self.model.knows_asset(ref.id):
            self.model.add_asset(
                ref.id, inventory_mode=inventory_mode, scale=scale, name=ref.name, symbol=ref.symbol
            )
        return ref

    def participant(self, label: str = "participant", status: str | None = None) -> str:
        """A new participant of the run's program (``status`` as created: default ACTIVE)."""
        body = {"external_id": self._name(label), "program_id": self.program_id}
        if status is not None:
            body["status"] = status
        reply = self.wire.post("/v1/participants", body)
        created = self._expect(reply, (201,), "create a participant")["id"]
        self.external_ids[created] = body["external_id"]
        if status is not None:
            self.model.set_participant_status(created, status)
        return created

    def set_status(self, participant_id: str, status: str) -> Reply:
        """Change a participant's status through the documented upsert (same external_id)."""
        body = {"external_id": self.external_ids[participant_id], "status": status}
        reply = self.wire.post("/v1/participants", body)
        self._expect(reply, (200, 201), f"set a participant's status to {status}")
        self.model.set_participant_status(participant_id, status)
        return reply

    def program(self, label: str = "program") -> str:
        """Another program of the run (the run's own is :attr:`program_id`)."""
        reply = self.wire.post(
            "/v1/programs", {"name": self._name(label), "description": "scrip-conformance run data"}
        )
        return self._expect(reply, (201,), "create a program")["id"]

    def link(self, program_id: str, asset: AssetRef) -> dict:
        """Link one of the run's assets to another of its programs; the link's answer body."""
        reply = self.wire.post(f"/v1/programs/{program_id}/assets", {"asset_id": asset.id})
        return self._expect(reply, (200,), "link an asset to a second program")

    def archive(self, asset: AssetRef) -> Reply:
        reply = self.wire.patch(f"/v1/assets/{asset.id}", {"status": "ARCHIVED"})
        self._expect(reply, (200,), "archive its asset")
        self.model.archive_asset(asset.id)
        return reply
