"""The run's own data: created through the write API, named with the run prefix, readable."""

from __future__ import annotations

import pytest

from scrip_conformance.provisioning.sandbox import SETUP_CONTRACT
from scrip_conformance.provisioning.side_by_side import scenario
from scrip_conformance.violations import ContractFailure, Violation


@pytest.mark.contract(SETUP_CONTRACT)
@scenario
def test_the_run_creates_its_program_assets_and_participants(ledger, target, witness):
    """The run's assets of each kind (those its tests share: in the quick budget, whose
    scenarios run at their first place only, the LOT asset of scale 2 alone; its SIMPLE one,
    used by no other quick test since PROV-INACTIVE-PARTICIPANT-REFUSES-WRITES runs in the
    LOT mode only, cost its creation, its read and its retirement) and a new participant
    read back as created (the reads sent together, judged in order)."""
    box = ledger.sandbox
    found = []
    kinds = (("LOT", 2), ("LOT", 0), ("SIMPLE", 2))
    if target.limits.get("write_places") is not None:
        kinds = kinds[:1]
    assets = [box.shared_asset(mode, scale) for mode, scale in kinds]
    participant = box.participant("setup")
    reads = [(f"/v1/assets/{asset.id}", {}) for asset in assets]
    *asset_replies, reply = ledger.wire.get_many(reads + [(f"/v1/participants/{participant}", {})])
    for (mode, scale), asset, read in zip(kinds, assets, asset_replies, strict=True):
        witness(SETUP_CONTRACT, "created resources read back")
        body = read.body if isinstance(read.body, dict) else {}
        seen = {k: body.get(k) for k in ("inventory_mode", "scale", "symbol", "status")}
        want = {"inventory_mode": mode, "scale": scale, "symbol": asset.symbol, "status": "ACTIVE"}
        if read.status != 200 or seen != want or box.program_id not in body.get("program_ids", []):
            found.append(
                Violation(
                    SETUP_CONTRACT,
                    "a created asset does not read back as created",
                    f"200 {want}, linked to the run's program",
                    f"{read.status} {body}",
                    request=read.curl,
                )
            )
    witness(SETUP_CONTRACT, "created resources read back")
    body = reply.body if isinstance(reply.body, dict) else {}
    if (
        reply.status != 200
        or not str(body.get("external_id", "")).startswith(box.prefix)
        or box.program_id not in body.get("program_ids", [])
    ):
        found.append(
            Violation(
                SETUP_CONTRACT,
                "a created participant does not read back",
                f"200, external_id prefixed {box.prefix!r}, enrolled in the program",
                f"{reply.status} {body}",
                request=reply.curl,
            )
        )
    if found:
        raise ContractFailure(found)
