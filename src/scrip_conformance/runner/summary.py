"""``summary.json``: the machine-readable verdict of a run, in the schema shipped beside this module
(``summary.schema.json``); also reads the last summary back for ``--rerun-failed``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from scrip_conformance import __version__, resources
from scrip_conformance.runner.baseline import Baseline
from scrip_conformance.runner.causes import failing_in_order, root_causes
from scrip_conformance.runner.outcomes import ContractResult, Finding, totals
from scrip_conformance.runner.verdict import GapAcceptance, RunVerdict

SCHEMA_PATH = Path(__file__).with_name("summary.schema.json")
SUMMARY_NAME = "summary.json"
# A broken invariant can show on every lot: keep the file readable, count the rest.
MAX_FINDINGS_PER_CONTRACT = 100


@functools.cache
def summary_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def validate_summary(summary: dict[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` when ``summary`` breaks the published schema."""
    jsonschema.Draft202012Validator(summary_schema()).validate(summary)


def suite_sha256() -> str:
    """SHA-256 over the contract suite's files (sorted relative paths and their bytes)."""
    root = resources.contracts_dir()
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if "__pycache__" in rel or rel.endswith((".pyc", ".pyo")):
            continue
        digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class RunInfo:
    """What the run was asked to do, and against what (never the key)."""

    base_url: str
    embedded: bool
    seed: int
    budget: str
    read_only: bool
    profiles: list[str]
    only: list[str] = field(default_factory=list)
    rerun_failed: bool = False
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    finished_at: dt.datetime | None = None
    interrupted: str | None = None  # "SIGINT" or "SIGTERM" when a signal stopped the run


def _contract_dict(result: ContractResult) -> dict[str, Any]:
    level = result.level if result.level in ("MUST", "SHOULD") else "MUST"
    return {
        "id": result.id,
        "statement": result.statement,
        "level": level,
        "profile": result.profile,
        "area": result.area,
        "source": result.source,
        "verdict": result.verdict,
        "reason": result.reason,
        "precondition": result.precondition,
        "witnesses": dict(result.witnesses),
        "witness_total": result.witness_total,
        "gate": "fail" if result.gate_fails else "pass",
        "tests": [
            {
                "nodeid": t.nodeid,
                "outcome": t.outcome,
                "duration_seconds": round(max(t.duration, 0.0), 6),
                "reason": t.reason,
            }
            for t in result.tests
        ],
        "findings": [f.as_dict() for f in result.findings[:MAX_FINDINGS_PER_CONTRACT]],
        "findings_total": len(result.findings),
    }


def _acceptance(a: GapAcceptance) -> dict[str, Any]:
    expires = a.expires.isoformat() if a.expires else None
    return {
        "contract_id": a.contract_id, "reason": a.reason, "source": a.source, "expires": expires
    }  # fmt: skip


def build_summary(
    info: RunInfo,
    results: list[ContractResult],
    unattributed: list[Finding],
    run: RunVerdict,
    baseline: Baseline | None = None,
    today: dt.date | None = None,
    coverage: Any = None,
) -> dict[str, Any]:
    finished = info.finished_at or dt.datetime.now(dt.UTC)
    spec = resources.load_spec()
    _number_the_rest(results, unattributed)
    all_findings = [f for r in results for f in r.findings]
    baseline_doc = None
    if baseline is not None:
        today = today or dt.datetime.now(dt.UTC).date()
        baseline_doc = {
            "path": baseline.path,
            "entries": len(baseline.entries),
            "expired_entries": [e.as_dict() for e in baseline.expired_entries(today)],
            "unused_entries": [e.as_dict() for e in baseline.unused(all_findings)],
        }
    return {
        "schema_version": 1,
        "suite": {"name": "scrip-conformance", "version": __version__, "sha256": suite_sha256()},
        "spec": {
            "version": str(spec.get("info", {}).get("version", "")),
            "sha256": resources.spec_sha256(),
        },
        "seed": info.seed,
        "budget": info.budget,
        "read_only": info.read_only,
        "profiles": list(info.profiles),
        "selection": {"only": list(info.only), "rerun_failed": info.rerun_failed},
        "target": {"base_url": info.base_url, "embedded": info.embedded},
        "started_at": _timestamp(info.started_at),
        "finished_at": _timestamp(finished),
        "duration_seconds": round(max((finished - info.started_at).total_seconds(), 0.0), 3),
        "verdict": run.verdict,
        "exit_code": run.exit_code,
        "verdict_line": run.headline,
        "partial": run.partial or None,
        "interrupted": {"signal": info.interrupted} if info.interrupted else None,
        "gaps": [g.as_dict() for g in run.gaps],
        "gap_acceptances": {
            "expired": [_acceptance(a) for a in run.expired_acceptances],
            "unused": [_acceptance(a) for a in run.unused_acceptances],
        },
        "root_causes": [c.as_dict() for c in root_causes(results)],
        "failing_contracts": [r.id for r in failing_in_order(results)],
        "totals": totals(results),
        "baseline": baseline_doc,
        "contracts": [_contract_dict(r) for r in sorted(results, key=lambda r: r.id)],
        "unattributed_findings": [f.as_dict() for f in unattributed[:MAX_FINDINGS_PER_CONTRACT]],
        "coverage": coverage,
    }


def _number_the_rest(results: list[ContractResult], unattributed: list[Finding]) -> None:
    """Give the findings made outside the suite's tests (an outage, a deadline) the next ids."""
    everything = [f for r in results for f in r.findings] + list(unattributed)
    taken = [int(f.id[1:]) for f in everything if f.id[1:].isdigit()]
    number = max(taken, default=0)

    def numbered(found: Finding) -> Finding:
        nonlocal number
        if found.id:
            return found
        number += 1
        return dataclasses.replace(found, id=f"F{number:03d}")

    for result in results:
        result.findings = [numbered(f) for f in result.findings]
    unattributed[:] = [numbered(f) for f in unattributed]


def finding_by_id(summary: dict[str, Any], finding_id: str) -> dict[str, Any] | None:
    """The finding ``finding_id`` of ``summary`` (the console, summary.json and report.html
    name findings by these ids)."""
    for contract in summary.get("contracts", []):
        for found in contract.get("findings", []):
            if found.get("id") == finding_id:
                return found
    for found in summary.get("unattributed_findings", []):
        if found.get("id") == finding_id:
            return found
    return None


def write_summary(summary: dict[str, Any], report_dir: Path) -> Path:
    validate_summary(summary)
    path = report_dir / SUMMARY_NAME
    path.write_text(json.dumps(summary, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path


class NoPreviousSummary(LookupError):
    """``--rerun-failed`` found no usable summary in the report dir."""


def load_previous(report_dir: Path) -> dict[str, Any]:
    path = report_dir / SUMMARY_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        raise NoPreviousSummary(f"no previous summary at {path}") from None
    except json.JSONDecodeError:
        raise NoPreviousSummary(f"{path} is not valid JSON") from None
    try:
        validate_summary(data)
    except jsonschema.ValidationError as exc:
        raise NoPreviousSummary(
            f"{path} does not follow the summary schema: {exc.message}"
        ) from None
    return data


def failed_contract_ids(summary: dict[str, Any]) -> list[str]:
    """Contracts that failed or warned in ``summary`` (what ``--rerun-failed`` runs again)."""
    return [c["id"] for c in summary["contracts"] if c["verdict"] in ("failed", "warned")]
