"""exchanges.har: every request a run sends and its answer, as HAR 1.2 (checked with a JSON Schema
written from the HAR 1.2 specification), the keys nowhere in it, bodies capped with the cap
noted, ids in sending order that the findings name; none with --no-record."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from runner_support import KEY_A, KEY_B, fake_suite_installed, run_cli

from scrip_conformance.recording import har
from scrip_conformance.recording import recorder as recording
from scrip_conformance.runner.summary import validate_summary
from scrip_conformance.safety import keys


def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(har.SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def _assert_valid_har(path: Path) -> dict:
    document = json.loads(path.read_text(encoding="utf-8"))
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    return document


def _assert_no_key_in(text: str, where: str) -> None:
    for key in (KEY_A, KEY_B):
        leaked = [piece for piece in keys.pieces(key) if piece in text]
        assert not leaked, f"{where} holds pieces of a key: {leaked[:3]}"


def _exchange(exchange_id: str, text: str = "{}", **more) -> har.Exchange:
    now = datetime.now(UTC)
    values = {
        "exchange_id": exchange_id,
        "method": "GET",
        "url": "http://t.example/v1/assets?limit=1",
        "request_headers": {"X-API-Key": KEY_A, "Accept": "application/json"},
        "request_body": None,
        "started": now,
        "finished": now,
        "status": 200,
        "response_headers": {"content-type": "application/json"},
        "response_text": text,
    }
    values.update(more)
    return har.Exchange(**values)


def test_the_har_schema_rejects_an_entry_the_har_1_2_format_does_not_allow():
    validator = _validator()
    good = {"log": {"version": "1.2", "creator": {"name": "x", "version": "1"}, "entries": []}}
    assert validator.is_valid(good)
    entry = har.entry(_exchange("x000001"))
    assert validator.is_valid({**good, "log": {**good["log"], "entries": [entry]}})
    for broken in (
        {k: v for k, v in entry.items() if k != "timings"},  # a required field missing
        {**entry, "extra": 1},  # a custom field without the leading underscore
        {**entry, "response": {**entry["response"], "status": "200"}},  # a wrong type
    ):
        assert not validator.is_valid({**good, "log": {**good["log"], "entries": [broken]}})


def test_an_entry_redacts_the_key_header_and_scrubs_the_key_from_url_and_bodies():
    keys.register(KEY_A)
    exchange = _exchange(
        "x000007",
        text=f'{{"echo": "{KEY_A}"}}',
        method="POST",
        url=f"http://t.example/v1/assets?token={KEY_A}",
        request_body=json.dumps({"note": KEY_A[:12]}),
        response_headers={"content-type": "application/json", "x-echo": KEY_A},
    )
    entry = har.entry(exchange)
    text = json.dumps(entry)
    _assert_no_key_in(text, "the entry")
    assert {"name": "X-API-Key", "value": "[REDACTED]"} in entry["request"]["headers"]
    assert entry["_id"] == "x000007"


def test_a_body_over_the_cap_is_cut_and_the_entry_says_so():
    big = "x" * (har.BODY_CAP + 500)
    entry = har.entry(_exchange("x000002", text=big, method="POST", request_body=big))
    assert len(entry["response"]["content"]["text"]) == har.BODY_CAP
    assert entry["response"]["content"]["size"] == len(big)
    assert entry["_truncated"]["response"] == {"size": len(big), "kept": har.BODY_CAP}
    assert entry["_truncated"]["request"] == {"size": len(big), "kept": har.BODY_CAP}
    assert f"cut to its first {har.BODY_CAP}" in entry["comment"]
    small = har.entry(_exchange("x000003", text="{}"))
    assert "_truncated" not in small and "comment" not in small


def test_the_recorder_gives_ids_in_sending_order_across_threads_and_writes_a_valid_har(tmp_path):
    recorder = recording.start(tmp_path, {"api_key": KEY_A})
    try:
        taken: list[str] = []
        lock = threading.Lock()

        def send(n: int) -> None:
            for _ in range(n):
                exchange_id = recorder.allocate()
                with lock:
                    taken.append(exchange_id)
                recorder.record(_exchange(exchange_id, key_role=recorder.role_of(KEY_A)))

        threads = [threading.Thread(target=send, args=(50,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert (tmp_path / recording.SPOOL_NAME).is_file()  # streamed while the run goes on
        path = recorder.finish([KEY_A])
    finally:
        recording.stop()
    assert path == tmp_path / har.HAR_NAME
    assert not (tmp_path / recording.SPOOL_NAME).exists()
    document = _assert_valid_har(path)
    ids = [e["_id"] for e in document["log"]["entries"]]
    assert sorted(ids) == [f"x{n:06d}" for n in range(1, 201)]
    assert sorted(taken) == sorted(ids)
    assert {e["_key"] for e in document["log"]["entries"]} == {"api_key"}


def test_without_a_started_recorder_nothing_is_recorded(tmp_path):
    recording.stop()
    assert recording.current().allocate() == ""
    recording.current().record(_exchange("x000001"))
    assert recording.current().finish() is None
    assert list(tmp_path.iterdir()) == []


def test_a_real_run_records_every_request_it_sent_in_a_valid_har(broken_server_run):
    path = broken_server_run.report_dir / har.HAR_NAME
    document = _assert_valid_har(path)
    entries = document["log"]["entries"]
    summary = broken_server_run.summary
    assert summary["recording"] == {"file": har.HAR_NAME, "exchanges": len(entries)}
    assert len(entries) == summary["performance"]["requests"]
    ids = [e["_id"] for e in entries]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"x\d{6}", i) for i in ids)
    assert {e["_phase"] for e in entries} >= {"preflight", "discovery", "contracts"}
    assert {e["_key"] for e in entries} >= {"api_key", "second_org_key", "none"}
    _assert_no_key_in(path.read_text(encoding="utf-8"), str(path))


def test_each_finding_names_the_exchange_whose_answer_shows_it(broken_server_run):
    entries = har.read_entries(broken_server_run.report_dir / har.HAR_NAME)
    findings = broken_server_run.contract("LOT-REMAINING-LE-AMOUNT")["findings"]
    assert all(re.fullmatch(r"F\d{3,}", f["id"]) for f in findings)
    lots = [f for f in findings if f["subject"].startswith("lot ")]  # not "... and N more"
    assert lots
    for finding in lots:
        assert finding["invariant"] == "lot_page"
        (exchange_id,) = finding["exchanges"]
        entry = entries[exchange_id]
        assert entry["request"]["url"] == shlex.split(finding["request"])[-1]
        lot_id = finding["subject"].removeprefix("lot ")
        page = json.loads(entry["response"]["content"]["text"])
        lot = next(lot for lot in page["data"] if lot["id"] == lot_id)
        assert finding["observed"] == f"remaining = {lot['remaining']}"
    ids = [f["id"] for c in broken_server_run.summary["contracts"] for f in c["findings"]]
    assert len(set(ids)) == len(ids)


def test_the_report_shows_and_allure_attaches_a_findings_exchange(broken_server_run):
    finding = broken_server_run.contract("LOT-REMAINING-LE-AMOUNT")["findings"][0]
    (exchange_id,) = finding["exchanges"]
    html = (broken_server_run.report_dir / "report.html").read_text(encoding="utf-8")
    start = html.index(f'data-finding-id="{finding["id"]}"')
    block = html[start : html.index("</article>", start)]
    assert f'data-exchange-id="{exchange_id}"' in block
    assert "status 200" in block and finding["subject"].removeprefix("lot ") in block
    allure_dir = broken_server_run.report_dir / "allure-results"
    attached = []
    for result in allure_dir.glob("*-result.json"):
        for item in json.loads(result.read_text(encoding="utf-8")).get("attachments", []):
            if item["name"].startswith(f"exchange {exchange_id} "):
                attached.append(json.loads((allure_dir / item["source"]).read_text("utf-8")))
    assert attached and attached[0]["_id"] == exchange_id
    assert exchange_id in broken_server_run.stdout  # the console names it too
    junit = (broken_server_run.report_dir / "junit.xml").read_text(encoding="utf-8")
    assert f"exchange: {exchange_id} (exchanges.har)" in junit  # and JUnit's failure text


def test_no_record_writes_no_har_and_removes_an_earlier_runs(reference, tmp_path):
    report_dir = tmp_path / "reports"
    report_dir.mkdir()
    (report_dir / har.HAR_NAME).write_text("{}", encoding="utf-8")  # an earlier run's
    with fake_suite_installed(tmp_path / "suite"):
        result = run_cli(
            ["--base-url", reference.base_url, "--api-key", KEY_A, "--quick", "--no-record"],
            report_dir,
        )
    assert result.code in (0, 1, 4), result.stderr
    assert not (report_dir / har.HAR_NAME).exists()
    assert not (report_dir / recording.SPOOL_NAME).exists()
    assert result.summary["recording"] is None
    validate_summary(result.summary)


def test_a_run_records_by_default_and_the_config_file_can_turn_it_off(reference, tmp_path):
    with fake_suite_installed(tmp_path / "suite"):
        on = run_cli(["--base-url", reference.base_url, "--api-key", KEY_A], tmp_path / "on")
        config = tmp_path / "gate.toml"
        config.write_text("record = false\n", encoding="utf-8")
        off = run_cli(
            ["--base-url", reference.base_url, "--api-key", KEY_A, "--config", str(config)],
            tmp_path / "off",
        )
    assert on.summary["recording"]["exchanges"] >= 1  # pre-flight at least
    _assert_valid_har(tmp_path / "on" / har.HAR_NAME)
    assert not (tmp_path / "off" / har.HAR_NAME).exists()
    assert "record = false" in off.stdout  # the effective configuration says so


def test_a_run_stopped_by_sigint_leaves_a_valid_har_without_any_key(reference, tmp_path):
    report_dir = tmp_path / "reports"
    process = subprocess.Popen(
        [sys.executable, "-m", "scrip_conformance.cli", "run", "--no-config", "--read-only",
         "--quick", "--seed", "5", "--base-url", reference.base_url,
         "--report-dir", str(report_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "SCRIP_API_KEY": KEY_A},
    )  # fmt: skip
    assert process.stdout is not None
    seen = []
    for line in process.stdout:
        seen.append(line)
        if line.startswith("[") and "/" in line.split("]")[0]:
            break
    else:
        pytest.fail("the run ended before any contract ran:\n" + "".join(seen))
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, "".join(seen) + out + err
    path = report_dir / har.HAR_NAME
    document = _assert_valid_har(path)
    assert len(document["log"]["entries"]) >= 2  # pre-flight and the walk's first requests
    assert not (report_dir / recording.SPOOL_NAME).exists()
    _assert_no_key_in(path.read_text(encoding="utf-8"), str(path))
    summary = json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["verdict"] == "interrupted"
    assert summary["recording"]["exchanges"] == len(document["log"]["entries"])


def test_the_fuzzers_requests_and_its_set_ups_are_recorded_through_their_transports(
    reference, tmp_path
):
    import httpx
    import requests

    from scrip_conformance.safety.fuzz_hooks import guard_session
    from scrip_conformance.safety.transport import GuardedTransport

    keys.register(KEY_A)
    recorder = recording.start(tmp_path, {"api_key": KEY_A})
    try:
        url = f"{reference.base_url}/v1/assets?limit=1"
        with guard_session(requests.Session()) as session:  # schemathesis' path
            fuzzed = session.get(url, headers={"X-API-Key": KEY_A}, timeout=10)
        with httpx.Client(transport=GuardedTransport(10.0)) as client:  # the fuzzing set-up's
            set_up = client.get(url, headers={"X-API-Key": KEY_A})
        path = recorder.finish([KEY_A])
    finally:
        recording.stop()
    assert path is not None
    entries = _assert_valid_har(path)["log"]["entries"]
    assert [(e["_id"], e["request"]["url"], e["_key"]) for e in entries] == [
        ("x000001", url, "api_key"),
        ("x000002", url, "api_key"),
    ]
    assert [e["response"]["status"] for e in entries] == [fuzzed.status_code, set_up.status_code]
    assert json.loads(entries[0]["response"]["content"]["text"]) == fuzzed.json()
    _assert_no_key_in(path.read_text(encoding="utf-8"), str(path))


def test_a_request_line_sent_again_with_another_key_still_finds_the_answer_that_showed_it(
    tmp_path,
):
    line = "curl -X GET -H 'X-API-Key: [REDACTED]' http://t.example/v1/assets/a1"
    recorder = recording.start(tmp_path, {"api_key": KEY_A})
    try:
        shown = recorder.allocate()
        recorder.record(_exchange(shown, status=200), line)
        probe = recorder.allocate()  # the same line with a wrong key: the auth probes
        recorder.record(_exchange(probe, status=401), line)
        assert recorder.exchange_of(line, 200) == shown
        assert recorder.exchange_of(line, 401) == probe
        assert recorder.exchange_of(line) == probe  # no status known: the latest
        assert recorder.exchange_of(line, 500) is None
        assert recorder.exchange_of("curl -X GET http://t.example/other") is None
    finally:
        recording.stop()


def test_past_the_runs_body_budget_entries_keep_no_body_and_say_so(tmp_path, monkeypatch):
    monkeypatch.setattr(recording, "BODY_BUDGET", 1000)
    recorder = recording.start(tmp_path)
    try:
        for _ in range(3):
            recorder.record(_exchange(recorder.allocate(), text="y" * 400))
        path = recorder.finish()
    finally:
        recording.stop()
    assert path is not None
    entries = _assert_valid_har(path)["log"]["entries"]
    texts = [e["response"]["content"]["text"] for e in entries]
    assert texts[:2] == ["y" * 400, "y" * 400] and texts[2] == ""
    assert "HAR body budget is spent" in entries[2]["comment"]
    assert entries[2]["response"]["content"]["size"] == 400  # what the answer was, still said


def test_the_report_shows_the_object_of_the_body_a_finding_is_about():
    from scrip_conformance.runner.exchanges import excerpt

    lot = '{"id":"93ce417c-9b6b-4311-a94d-13ba76feee7c","remaining":"55.48","status":"EXPIRED"}'
    body = '{"data":[{"id":"a","x":1},' + lot + ',{"id":"b"}],"pagination":{}}' + " " * 2000
    shown = excerpt(body, {"subject": "lot 93ce417c-9b6b-4311-a94d-13ba76feee7c"})
    assert shown == f"…{lot}…"
    assert excerpt(body, {"subject": ""}).startswith('{"data":[{"id":"a"')  # no id: its start
