"""Read a worker's report dir (``worker.json``, ``summary.json``, ``timing.json``) into a
:class:`~scrip_conformance.selftest.killrate.RunRecord`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scrip_conformance.selftest.killrate import CRASH_PREFIX, REFERENCE, RunRecord
from scrip_conformance.selftest.worker import RESULT_NAME, TIMING_NAME

SUMMARY_NAME = "summary.json"
EXIT_INCONCLUSIVE = 4
_SETTLED = ("passed", "failed", "warned")


def _is_crash(finding: dict) -> bool:
    return str(finding.get("summary", "")).startswith(CRASH_PREFIX)


def _unexercised(summary: dict) -> dict[str, str]:
    """The contracts behind an INCONCLUSIVE verdict: the summary's open gaps (with why and how
    to close them), or, from a summary without gaps, every MUST contract neither passed nor
    failed nor warned, with its reason."""
    gaps = summary.get("gaps")
    if isinstance(gaps, list):
        return {
            g["contract_id"]: "; ".join(str(g[k]) for k in ("why", "how") if g.get(k))
            for g in gaps
            if isinstance(g, dict) and g.get("status") == "open" and "contract_id" in g
        }
    found: dict[str, str] = {}
    for contract in summary.get("contracts", []):
        if contract.get("level", "MUST") != "MUST" or contract.get("verdict") in _SETTLED:
            continue
        if contract.get("selected") is False:
            continue
        found[contract["id"]] = str(contract.get("reason") or contract.get("verdict") or "")
    return found


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def load_record(
    report_dir: Path,
    name: str = REFERENCE,
    family: str = REFERENCE,
    declared: tuple[str, ...] = (),
    seed: int = 0,
    kind: str = "",
    unsupported: tuple[str, ...] = (),
) -> RunRecord:
    worker = _json(report_dir / RESULT_NAME) or {}
    summary = _json(report_dir / SUMMARY_NAME)
    timing = _json(report_dir / TIMING_NAME) or {}
    plain = worker.get("plain") or {}
    common: dict[str, Any] = {
        "name": name,
        "family": family,
        "declared": declared,
        "seed": seed,
        "kind": kind,
        "unsupported": unsupported,
        "seconds": float(worker.get("seconds") or 0.0),
        "cpu_seconds": float(worker.get("cpu_seconds") or 0.0),
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
    crashes: dict[str, int] = {}
    warnings: dict[str, int] = {}
    tests_of: dict[str, set[str]] = {}
    not_run = []
    for contract in summary.get("contracts", []):
        if contract.get("findings") and contract.get("verdict") == "warned":
            warnings[contract["id"]] = len(contract["findings"])
        elif contract.get("findings"):
            real = [f for f in contract["findings"] if not _is_crash(f)]
            crashed = len(contract["findings"]) - len(real)
            if real:
                findings[contract["id"]] = len(real)
            if crashed:
                crashes[contract["id"]] = crashed
            for finding in real:
                tests_of.setdefault(finding.get("test", ""), set()).add(contract["id"])
        if contract["id"] in declared and contract.get("verdict") == "not_run":
            not_run.append(contract["id"])
    failures = timing.get("failures") or []
    first = failures[0] if failures else None
    return RunRecord(
        **common,
        exit_code=summary.get("exit_code"),
        findings=findings,
        crashes=crashes,
        warnings=warnings,
        unexercised=_unexercised(summary) if summary.get("exit_code") == EXIT_INCONCLUSIVE else {},
        unattributed=len(summary.get("unattributed_findings") or []),
        first_failure_seconds=first["seconds"] if first else None,
        first_failure_contracts=tuple(sorted(tests_of.get(first["nodeid"], ()))) if first else (),
        not_run_declared=tuple(not_run),
    )
