"""Only the target's keys are secrets: a made-up wrong key that a contract sends is not
scrubbed, or its pieces would be cut out of every report (e.g. "conformance")."""

from __future__ import annotations

import httpx

from scrip_conformance.client import TargetClient
from scrip_conformance.safety import keys


def test_a_made_up_wrong_key_sent_by_a_contract_is_not_scrubbed_from_reports():
    keys.forget_all()
    transport = httpx.MockTransport(lambda request: httpx.Response(401, json={"code": "x"}))
    with TargetClient("http://t", "sk_real_target_key_123", transport=transport) as client:
        client.get("/v1/assets", key="scrip-conformance-wrong-key")
    try:
        assert keys.scrub("status_code_conformance") == "status_code_conformance"
        assert "[REDACTED]" in keys.scrub("sk_real_target_key_123")
    finally:
        keys.forget_all()
