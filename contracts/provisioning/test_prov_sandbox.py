"""The run's own data: created through the write API, named with the run prefix, readable."""

from __future__ import annotations

import pytest

from scrip_conformance.provisioning.sandbox import SETUP_CONTRACT
from scrip_conformance.violations import ContractFailure, Violation


@pytest.mark.contract(SETUP_CONTRACT)
def test_the_run_creates_its_program_assets_and_participants(ledger, witness):
    box = ledger.sandbox
    found = []
    for mode, scale in (("LOT", 2), ("LOT", 0), ("SIMPLE", 2)):
        asset = box.asset(mode, scale)
        reply = ledger.wire.get(f"/v1/assets/{asset.id}")
        witness(SETUP_CONTRACT, "created resources read back")
        body = reply.body if isinstance(reply.body, dict) else {}
        seen = {k: body.get(k) for k in ("inventory_mode", "scale", "symbol", "status")}
        want = {"inventory_mode": mode, "scale": scale, "symbol": asset.symbol, "status": "ACTIVE"}
        if reply.status != 200 or seen != want or box.program_id not in body.get("program_ids", []):
            found.append(
                Violation(
                    SETUP_CONTRACT,
                    "a created asset does not read back as created",
                    f"200 {want}, linked to the run's program",
                    f"{reply.status} {body}",
                    request=reply.curl,
                )
            )
    participant = box.participant("setup")
    reply = ledger.wire.get(f"/v1/participants/{participant}")
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
