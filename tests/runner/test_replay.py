"""``scrip-conformance replay REPORT_DIR --finding ID``: a run against a server with a planted bug
leaves a finding whose exchange is in exchanges.har; replaying it fails (exit 1) against the
buggy server and passes (exit 0) against the correct reference; what cannot be replayed says so
with a clean exit code, never a traceback."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
from runner_support import KEY_A

from scrip_conformance.cli import main
from scrip_conformance.recording import har
from scrip_conformance.recording import recorder as recording
from scrip_conformance.reference.server import ReferenceServer
from scrip_conformance.selftest.server import VariantServer
from scrip_conformance.selftest.variants import by_name

PLANTED = "expired-lot-keeps-remaining"  # an EXPIRED lot still shows its remaining
CONTRACT = "LOT-FINAL-HOLDS-NOTHING"


def _replay(argv: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """``scrip-conformance replay ARGV`` in a fresh process: exit code, stdout, stderr."""
    done = subprocess.run(
        [sys.executable, "-m", "scrip_conformance.cli", "replay", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )
    return done.returncode, done.stdout, done.stderr


def _replay_here(argv: list[str]) -> tuple[int, str, str]:
    """The same in this process (usage errors: no server needed)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(["replay", *argv])
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_replay_of_a_planted_bugs_finding_fails_on_the_buggy_server_and_passes_on_the_correct_one(
    tmp_path,
):
    report_dir = tmp_path / "reports"
    env = {"SCRIP_API_KEY": KEY_A}
    keys = {KEY_A: "org-a"}
    with (
        VariantServer(by_name(PLANTED), keys, demo=True) as buggy,
        VariantServer(None, keys, demo=True) as correct,
    ):
        run = subprocess.run(
            [sys.executable, "-m", "scrip_conformance.cli", "run", "--no-config",
             "--base-url", buggy.base_url, "--read-only", "--quick", "--seed", "1",
             "--only", CONTRACT, "--report-dir", str(report_dir)],
            capture_output=True, text=True, timeout=600, env={**os.environ, **env},
        )  # fmt: skip
        assert run.returncode == 1, run.stdout[-3000:] + run.stderr
        summary = json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))
        (contract,) = [c for c in summary["contracts"] if c["id"] == CONTRACT]
        finding = contract["findings"][0]
        assert f"[{finding['id']}]" in run.stdout  # the console names the finding's id

        # the failing exchange, found from the finding's id alone
        (exchange_id,) = finding["exchanges"]
        entry = har.read_entries(report_dir / har.HAR_NAME, [exchange_id])[exchange_id]
        lot_id = finding["subject"].removeprefix("lot ")
        page = json.loads(entry["response"]["content"]["text"])
        lot = next(lot for lot in page["data"] if lot["id"] == lot_id)
        assert lot["status"] in ("EXPIRED", "CONSUMED") and lot["remaining"] not in ("0", "0.00")

        code, out, err = _replay([str(report_dir), "--finding", finding["id"]], env)
        assert code == 1, out + err
        assert out.splitlines()[1].startswith(f"FAIL {finding['id']} {CONTRACT}")
        assert lot_id in out and "expected: remaining zero" in out

        code, out, err = _replay(
            [str(report_dir), "--finding", finding["id"], "--base-url", correct.base_url], env
        )
        assert code == 0, out + err
        assert out.splitlines()[1].startswith(f"PASS {finding['id']} {CONTRACT}")
        assert correct.base_url in out and "Traceback" not in err


# -- what cannot be replayed ---------------------------------------------------------------
def _report_dir(
    root: Path,
    base_url: str,
    *,
    method: str = "GET",
    path: str = "/v1/assets?limit=1",
    status: int = 200,
    invariant: str = "lot_page",
    body: str | None = None,
    embedded: bool = False,
) -> Path:
    """A report dir with one finding (F001) and its one recorded exchange (x000001)."""
    report_dir = root / "reports"
    report_dir.mkdir(parents=True)
    recorder = recording.start(report_dir, {"api_key": KEY_A})
    try:
        now = datetime.now(UTC)
        recorder.record(
            har.Exchange(
                exchange_id=recorder.allocate(),
                method=method,
                url=base_url + path,
                request_headers={"X-API-Key": KEY_A, "Content-Type": "application/json"},
                request_body=body,
                started=now,
                finished=now,
                status=status,
                response_text='{"data": []}',
                key_role="api_key",
            )
        )
        recorder.finish([KEY_A])
    finally:
        recording.stop()
    finding = {
        "id": "F001",
        "contract_id": CONTRACT,
        "check": "test_every_walked_lot_keeps_the_contract",
        "summary": "EXPIRED lot still holds value",
        "expected": "remaining zero",
        "observed": "remaining = 1.00",
        "subject": "lot l1",
        "request": f"curl -X {method} {base_url}{path}",
        "exchanges": ["x000001"],
        "invariant": invariant,
    }
    summary = {
        "target": {"base_url": base_url, "embedded": embedded},
        "contracts": [{"id": CONTRACT, "findings": [finding]}],
        "unattributed_findings": [],
    }
    (report_dir / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return report_dir


def test_an_unknown_finding_id_is_a_usage_error_listing_the_known_ones(tmp_path):
    report_dir = _report_dir(tmp_path, "http://127.0.0.1:9")
    code, _out, err = _replay_here([str(report_dir), "--finding", "F999"])
    assert code == 2
    assert "no finding F999" in err and "F001" in err and "Traceback" not in err


def test_a_missing_report_dir_or_har_is_a_usage_error(tmp_path):
    code, _out, err = _replay_here([str(tmp_path / "nowhere"), "--finding", "F001"])
    assert (code, "Traceback" in err) == (2, False)
    assert "no report dir" in err
    report_dir = _report_dir(tmp_path, "http://127.0.0.1:9")
    (report_dir / har.HAR_NAME).unlink()
    code, _out, err = _replay_here([str(report_dir), "--finding", "F001"])
    assert code == 2 and "no exchanges.har" in err and "--no-record" in err


def test_a_finding_whose_check_is_not_a_per_response_invariant_is_refused_with_exit_5(tmp_path):
    report_dir = _report_dir(tmp_path, "http://127.0.0.1:9", invariant="")
    code, _out, err = _replay_here([str(report_dir), "--finding", "F001"])
    assert code == 5
    assert "cannot be replayed" in err and f"run --only {CONTRACT}" in err


def test_writes_are_not_resent_without_allow_writes_and_the_refusal_names_them(tmp_path):
    report_dir = _report_dir(
        tmp_path, "http://127.0.0.1:9", method="POST", path="/v1/assets", body='{"name": "x"}'
    )
    code, _out, err = _replay_here([str(report_dir), "--finding", "F001", "--api-key", KEY_A])
    assert code == 2
    assert "--allow-writes" in err and "x000001 POST /v1/assets" in err


def test_the_embedded_reference_of_a_run_is_gone_so_replay_needs_a_base_url(tmp_path):
    report_dir = _report_dir(tmp_path, "http://127.0.0.1:9", embedded=True)
    code, _out, err = _replay_here([str(report_dir), "--finding", "F001", "--api-key", KEY_A])
    assert code == 2 and "give --base-url" in err


def test_a_replay_without_a_key_is_a_usage_error_naming_where_the_key_comes_from(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("SCRIP_API_KEY", raising=False)
    report_dir = _report_dir(tmp_path, "http://127.0.0.1:9")
    code, _out, err = _replay_here([str(report_dir), "--finding", "F001", "--no-config"])
    assert code == 2 and "no API key: pass --api-key or set SCRIP_API_KEY" in err


def test_an_unreachable_target_is_exit_3(tmp_path):
    report_dir = _report_dir(tmp_path, "http://127.0.0.1:9")
    code, _out, err = _replay_here(
        [str(report_dir), "--finding", "F001", "--api-key", KEY_A, "--no-config"]
    )
    assert code == 3 and "cannot reach the target" in err


def test_an_answer_that_is_gone_makes_the_replay_inconclusive_not_a_pass(reference, tmp_path):
    lots = f"/v1/participants/{uuid.uuid4()}/balances/lots?asset_id={uuid.uuid4()}"
    report_dir = _report_dir(tmp_path, reference.base_url, path=lots)
    code, out, err = _replay_here(
        [str(report_dir), "--finding", "F001", "--api-key", KEY_A, "--no-config"]
    )
    assert code == 4, out + err
    assert "INCONCLUSIVE F001" in out and "answered 404 where it answered 200" in out


def test_a_key_the_target_rejects_is_a_usage_error(reference, tmp_path):
    report_dir = _report_dir(tmp_path, reference.base_url)
    code, _out, err = _replay_here(
        [str(report_dir), "--finding", "F001", "--api-key", "sk_not_a_key_of_it", "--no-config"]
    )
    assert code == 2 and "rejected the key" in err


def test_allow_writes_resends_a_recorded_write_with_its_body(tmp_path):
    with ReferenceServer(api_keys={KEY_A: "org-a"}) as server:  # its own: this test writes
        body = json.dumps({"name": f"replayed {uuid.uuid4()}"})
        report_dir = _report_dir(
            tmp_path, server.base_url, method="POST", path="/v1/programs", body=body, status=201
        )
        code, out, err = _replay_here(
            [str(report_dir), "--finding", "F001", "--api-key", KEY_A, "--no-config",
             "--allow-writes"]
        )  # fmt: skip
        assert code in (0, 4), out + err  # lot_page has nothing to judge in a program
        assert "x000001 POST" in out and "status 201 (was 201)" in out
        programs = httpx.get(f"{server.base_url}/v1/programs", headers={"X-API-Key": KEY_A})
        assert [p["name"] for p in programs.json()["data"]] == [json.loads(body)["name"]]
