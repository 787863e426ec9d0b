"""A writing run against a server holding other data (the reference's demo data) leaves every
program, asset and participant that existed before it byte-identical, in both organizations:
the write guard, the fuzzing's sandbox-only ids and the run's own names see to it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx
import pytest

from scrip_conformance.reference.server import ReferenceServer

KEY_A = "sk_" + "6d0f5e1c2b3a4978" + "8f7e6d5c4b3a2910"
KEY_B = "sk_" + "1a2b3c4d5e6f7081" + "92a3b4c5d6e7f809"


def _pages(client: httpx.Client, path: str, **params: str) -> list[dict]:
    rows, cursor = [], None
    for _ in range(1000):
        query = {"limit": "200", **params, **({"cursor": cursor} if cursor else {})}
        body = client.get(path, params=query).json()
        rows += body["data"]
        if not body["pagination"]["has_more"]:
            return rows
        cursor = body["pagination"]["next_cursor"]
    raise AssertionError(f"{path} did not end")


def snapshot(base_url: str, key: str) -> dict[str, str]:
    """Every program, asset and participant (in full, balances included), as its JSON text."""
    out: dict[str, str] = {}
    with httpx.Client(base_url=base_url, headers={"X-API-Key": key}, timeout=30) as client:
        for program in _pages(client, "/v1/programs", include_archived="true"):
            out[f"program {program['id']}"] = json.dumps(program, sort_keys=True)
        for asset in _pages(client, "/v1/assets"):
            detail = client.get(f"/v1/assets/{asset['id']}").text
            out[f"asset {asset['id']}"] = detail
        for participant in _pages(client, "/v1/participants"):
            detail = client.get(f"/v1/participants/{participant['id']}").text
            out[f"participant {participant['id']}"] = detail
    return out


@pytest.mark.parametrize("budget", ["--quick", "--default-budget", "--deep"])
def test_a_writing_run_leaves_pre_existing_data_byte_identical(tmp_path, budget):
    with ReferenceServer(api_keys={KEY_A: "org-a", KEY_B: "org-b"}, demo=True) as server:
        before = {key: snapshot(server.base_url, key) for key in (KEY_A, KEY_B)}
        assert sum(len(v) for v in before.values()) > 20  # there is someone else's data
        argv = [
            sys.executable,
            "-m",
            "scrip_conformance.cli",
            "run",
            "--base-url",
            server.base_url,
            "--api-key",
            KEY_A,
            "--second-org-key",
            KEY_B,
            "--seed",
            "5",
            "--report-dir",
            str(tmp_path / "reports"),
        ]
        if budget != "--default-budget":
            argv.append(budget)
        completed = subprocess.run(
            argv, capture_output=True, text=True, timeout=1800, env=dict(os.environ)
        )
        assert completed.returncode in (0, 1), completed.stderr[-3000:]
        after = {key: snapshot(server.base_url, key) for key in (KEY_A, KEY_B)}
    for key in (KEY_A, KEY_B):
        changed = [name for name, text in before[key].items() if after[key].get(name) != text]
        assert not changed, f"pre-existing data changed by the run: {changed}"
    # the run's own sandbox is retired: its assets archived, its participants closed
    own = {
        name: json.loads(text)
        for key in (KEY_A, KEY_B)
        for name, text in after[key].items()
        if name not in before[key]
    }
    assert any(name.startswith("asset") for name in own)
    active = [
        name
        for name, body in own.items()
        if name.startswith(("asset", "participant"))
        and body.get("status") not in ("ARCHIVED", "CLOSED")
    ]
    assert not active, f"the run left these active: {active[:10]}"
    assert "the run's sandbox:" in completed.stdout
