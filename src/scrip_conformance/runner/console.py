"""The end-of-run console text: a verdict per contract grouped by profile, then the totals."""

from __future__ import annotations

from typing import Any

_WORDS = {"passed": "PASSED", "failed": "FAILED", "warned": "WARNED", "not_run": "NOT RUN"}


def _note(contract: dict[str, Any]) -> str:
    if contract["verdict"] == "not_run":
        return contract["reason"]
    findings = contract["findings"]
    if not findings:
        return ""
    counts: dict[str, int] = {}
    for f in findings:
        counts[f["baseline"]] = counts.get(f["baseline"], 0) + 1
    detail = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    first = findings[0]["summary"]
    return f"{contract['findings_total']} finding(s) ({detail}): {first}"


def render_final(summary: dict[str, Any], report_paths: list[str]) -> str:
    lines: list[str] = ["", "Verdict per contract"]
    groups: dict[str, list[dict[str, Any]]] = {}
    for c in sorted(summary["contracts"], key=lambda c: (c["profile"], c["id"])):
        groups.setdefault(c["profile"] or "(none)", []).append(c)
    width = max((len(c["id"]) for c in summary["contracts"]), default=10)
    for profile, contracts in groups.items():
        lines.append(f"  profile {profile}")
        for c in contracts:
            note = _note(c)
            gate = "  [gate]" if c["gate"] == "fail" else ""
            lines.append(
                f"    {_WORDS[c['verdict']]:<8} {c['id']:<{width}} {c['level']:<6}"
                + (f" {note}" if note else "")
                + gate
            )
    for f in summary["unattributed_findings"]:
        lines.append(f"  FAILED   (no contract) {f['test']}: {f['summary']}  [gate]")
    t = summary["totals"]
    lines.append(
        f"Totals: {t['total']} contracts: {t['passed']} passed, {t['failed']} failed, "
        f"{t['warned']} warned, {t['not_run']} not run"
    )
    gated = sum(1 for c in summary["contracts"] if c["gate"] == "fail")
    verdict = {0: "CONFORMANT", 3: "NO VERDICT"}.get(summary["exit_code"], "NOT CONFORMANT")
    why = ""
    if summary["exit_code"]:
        parts = []
        if gated:
            parts.append(f"{gated} MUST contract(s) with new or regressed findings")
        if summary["unattributed_findings"]:
            outside = len(summary["unattributed_findings"])
            parts.append(f"{outside} failure(s) outside any contract")
        why = " (" + "; ".join(parts) + ")"
    lines.append(
        f"Verdict: {verdict}{why}, exit code {summary['exit_code']}, seed {summary['seed']}"
    )
    lines.append("Reports: " + ", ".join(report_paths))
    return "\n".join(lines) + "\n"
