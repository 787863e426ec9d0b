"""Read a worker's report dir (``worker.json``, ``summary.json``, ``timing.json``) into a
:class:`~scrip_conformance.selftest.killrate.RunRecord`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scrip_conformance.selftest.killrate import REFERENCE, RunRecord
from scrip_conformance.selftest.worker import RESULT_NAME, TIMING_NAME

SUMMARY_NAME = "summary.json"


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def load_record(report_dir: Path, name: str = REFERENCE, family: str = REFERENCE,
                declared: tuple[str, ...] = (), seed: int = 0) -> RunRecord:
    worker = _json(report_dir / RESULT_NAME) or {}
    summary = _json(report_dir / SUMMARY_NAME)
    timing = _json(report_dir / TIMING_NAME) or {}
    plain = worker.get("plain") or {}
    common: dict[str, Any] = {
        "name": name, "family": family, "declared": declared, "seed": seed,
        "seconds": float(worker.get("seconds") or 0.0),
        "plain_codes": tuple(plain["codes"]) if "codes" in plain else None,
        "plain_error": plain.get("error"),
    }
    if worker.get("error") or not isinstance(summary, dict):
        why = worker.get("error") or (
            f"no summary.json (run exit code {worker.get('exit_code')}); see "
            f"{report_dir / 'run-output.txt'}"
        )
        return RunRecord(**common, exit_code=worker.get("exit_code"), error=why)
    findings: dict[str, int] = {}
    warnings: dict[str, int] = {}
    tests_of: dict[str, set[str]] = {}
    not_run = []
    for contract in summary.get("contracts", []):
        if contract.get("findings") and contract.get("verdict") == "warned":
            warnings[contract["id"]] = len(contract["findings"])
        elif contract.get("findings"):
            findings[contract["id"]] = len(contract["findings"])
            for finding in contract["findings"]:
                tests_of.setdefault(finding.get("test", ""), set()).add(contract["id"])
        if contract["id"] in declared and contract.get("verdict") == "not_run":
            not_run.append(contract["id"])
    failures = timing.get("failures") or []
    first = failures[0] if failures else None
    return RunRecord(
        **common,
        exit_code=summary.get("exit_code"),
        findings=findings,
        warnings=warnings,
        unattributed=len(summary.get("unattributed_findings") or []),
        first_failure_seconds=first["seconds"] if first else None,
        first_failure_contracts=tuple(sorted(tests_of.get(first["nodeid"], ()))) if first
        else (),
        not_run_declared=tuple(not_run),
    )
