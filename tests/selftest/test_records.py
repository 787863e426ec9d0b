"""A worker's report dir read back: findings per contract from summary.json, the first failure
from timing.json attributed to the contracts its test found, and a missing summary as an error."""

from __future__ import annotations

import json

from scrip_conformance.selftest.records import load_record


def _write(path, name, doc):
    (path / name).write_text(json.dumps(doc), encoding="utf-8")


def _contract(cid, findings=(), verdict="passed", level="MUST", reason=""):
    return {
        "id": cid,
        "verdict": verdict,
        "level": level,
        "reason": reason,
        "findings": [{"contract_id": cid, "test": t, "summary": "x"} for t in findings],
    }


def test_a_summary_gives_findings_first_failure_and_not_run_declared_contracts(tmp_path):
    _write(tmp_path, "worker.json", {"exit_code": 1, "seconds": 12.5})
    _write(
        tmp_path,
        "summary.json",
        {
            "exit_code": 1,
            "unattributed_findings": [],
            "contracts": [
                _contract("A", ["t::one", "t::two"], "failed"),
                _contract("B", ["t::two"], "failed"),
                _contract("C", verdict="not_run"),
                _contract("D"),
            ],
        },
    )
    _write(
        tmp_path,
        "timing.json",
        {"failures": [{"nodeid": "t::two", "seconds": 3.25}, {"nodeid": "t::one", "seconds": 4.0}]},
    )
    record = load_record(tmp_path, "v", "lots", ("A", "C"), 7)
    assert record.findings == {"A": 2, "B": 1}
    assert record.first_failure_seconds == 3.25
    assert record.first_failure_contracts == ("A", "B")
    assert record.not_run_declared == ("C",)
    assert (record.exit_code, record.seed, record.seconds, record.error) == (1, 7, 12.5, None)


def test_a_run_without_summary_is_an_error_naming_its_output(tmp_path):
    _write(tmp_path, "worker.json", {"exit_code": 2, "seconds": 1.0})
    record = load_record(tmp_path, "v")
    assert record.error is not None and "run-output.txt" in record.error


def test_a_worker_crash_is_an_error_with_its_message(tmp_path):
    _write(tmp_path, "worker.json", {"exit_code": None, "error": "RuntimeError: no port"})
    assert load_record(tmp_path, "v").error == "RuntimeError: no port"


def test_plain_schemathesis_codes_are_read_when_it_ran(tmp_path):
    _write(tmp_path, "worker.json", {"exit_code": 0, "plain": {"exit_code": 1, "codes": ["ST101"]}})
    _write(tmp_path, "summary.json", {"exit_code": 0, "contracts": []})
    assert load_record(tmp_path, "v").plain_codes == ("ST101",)


def test_a_should_contract_that_warned_is_a_warning_not_a_finding(tmp_path):
    _write(tmp_path, "worker.json", {"exit_code": 0})
    _write(
        tmp_path,
        "summary.json",
        {"exit_code": 0, "contracts": [_contract("FUZZ-COVERAGE", ["t::cov"], "warned")]},
    )
    record = load_record(tmp_path)
    assert (record.findings, record.warnings) == ({}, {"FUZZ-COVERAGE": 1})


def test_a_check_that_could_not_complete_is_a_crash_not_a_finding(tmp_path):
    _write(tmp_path, "worker.json", {"exit_code": 1})
    crash = {
        "contract_id": "A",
        "test": "t::a",
        "summary": "the check could not complete: KeyError",
    }
    real = {"contract_id": "B", "test": "t::b", "summary": "remaining above amount"}
    _write(
        tmp_path,
        "summary.json",
        {
            "exit_code": 1,
            "contracts": [
                {"id": "A", "verdict": "failed", "findings": [crash]},
                {"id": "B", "verdict": "failed", "findings": [real, crash | {"contract_id": "B"}]},
            ],
        },
    )
    record = load_record(tmp_path, "v", "lots", ("A",))
    assert record.findings == {"B": 1}
    assert record.crashes == {"A": 1, "B": 1}


def test_an_inconclusive_run_names_its_unexercised_must_contracts(tmp_path):
    _write(tmp_path, "worker.json", {"exit_code": 4})
    _write(
        tmp_path,
        "summary.json",
        {
            "exit_code": 4,
            "contracts": [
                _contract("A"),
                _contract("B", verdict="not_exercised", reason="no EXPIRED lot"),
                _contract("C", verdict="not_run", level="SHOULD", reason="unsupported"),
            ],
        },
    )
    record = load_record(tmp_path, "g", "good", kind="good", unsupported=("extension",))
    assert record.exit_code == 4
    assert record.unexercised == {"B": "no EXPIRED lot"}
    assert (record.kind, record.unsupported) == ("good", ("extension",))


def test_an_inconclusive_run_names_its_open_gaps_with_why_and_how(tmp_path):
    _write(tmp_path, "worker.json", {"exit_code": 4})
    gap = {
        "contract_id": "B",
        "state": "not_exercised",
        "why": "no EXPIRED lot",
        "how": "run a writing profile",
        "status": "open",
    }
    declared = dict(gap, contract_id="C", status="declared")
    _write(
        tmp_path,
        "summary.json",
        {"exit_code": 4, "gaps": [gap, declared], "contracts": [_contract("A")]},
    )
    record = load_record(tmp_path, "g", "good", kind="good")
    assert record.unexercised == {"B": "no EXPIRED lot; run a writing profile"}
