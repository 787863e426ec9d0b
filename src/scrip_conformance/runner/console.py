"""The end-of-run console text: a verdict per contract grouped by profile (with what each
checked), then the probable root causes, each failing contract's first finding (expected,
observed, curl line), the MUST contracts without evidence, the totals and the verdict line."""

from __future__ import annotations

from typing import Any

from scrip_conformance import witnesses

_WORDS = {
    "passed": "PASSED",
    "failed": "FAILED",
    "warned": "WARNED",
    "not_exercised": "NOT EXERCISED",
    "not_run": "NOT RUN",
}
_WIDTH = max(len(w) for w in _WORDS.values())
MAX_CAUSES_SHOWN = 5


def _note(contract: dict[str, Any]) -> str:
    if contract["verdict"] in ("not_run", "not_exercised"):
        return contract["reason"]
    findings = contract["findings"]
    if not findings:
        return witnesses.describe(contract.get("witnesses") or {})
    counts: dict[str, int] = {}
    for f in findings:
        counts[f["baseline"]] = counts.get(f["baseline"], 0) + 1
    detail = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    first = findings[0]["summary"]
    return f"{contract['findings_total']} finding(s) ({detail}): {first}"


def _per_contract(summary: dict[str, Any]) -> list[str]:
    lines = ["", "Verdict per contract"]
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
                f"    {_WORDS[c['verdict']]:<{_WIDTH}} {c['id']:<{width}} {c['level']:<6}"
                + (f" {note}" if note else "")
                + gate
            )
    return lines


def _root_causes(summary: dict[str, Any]) -> list[str]:
    causes = summary.get("root_causes") or []
    if not causes:
        return []
    lines = [
        "",
        "Probable root causes (findings grouped by the endpoint that showed them, earliest "
        "first: the first may explain the others)",
    ]
    for i, cause in enumerate(causes[:MAX_CAUSES_SHOWN], 1):
        lines.append(
            f"  {i}. {cause['endpoint']}: {cause['summary']} - {cause['findings']} finding(s) "
            f"of {', '.join(cause['contracts'])}"
        )
        if cause["request"]:
            lines.append(f"     {cause['request']}")
    if len(causes) > MAX_CAUSES_SHOWN:
        lines.append(f"  ... and {len(causes) - MAX_CAUSES_SHOWN} more (see report.html)")
    return lines


def _failing(summary: dict[str, Any]) -> list[str]:
    by_id = {c["id"]: c for c in summary["contracts"]}
    order = summary.get("failing_contracts") or [
        c["id"] for c in summary["contracts"] if c["findings"]
    ]
    if not order:
        return []
    lines = ["", "Failing contracts, in order of first occurrence (first finding of each)"]
    for cid in order:
        c = by_id[cid]
        if not c["findings"]:
            continue
        f = c["findings"][0]
        word = _WORDS[c["verdict"]]
        count = f"{c['level']}, {c['findings_total']} finding(s)"
        found_id = f" [{f['id']}]" if f.get("id") else ""
        lines.append(f"  {word} {cid}{found_id} ({count}): {f['summary']}")
        if f.get("subject"):
            lines.append(f"      subject:   {f['subject']}")
        lines.append(f"      expected:  {f['expected']}")
        lines.append(f"      observed:  {f['observed']}")
        if f.get("request"):
            lines.append(f"      reproduce: {f['request']}")
        if f.get("exchanges"):
            lines.append(
                f"      exchange:  {', '.join(f['exchanges'])} in exchanges.har "
                f"(scrip-conformance replay REPORT_DIR --finding {f.get('id', '')})"
            )
    return lines


def _gaps(summary: dict[str, Any]) -> list[str]:
    gaps = summary.get("gaps") or []
    if not gaps:
        return []
    if summary["verdict"] == "interrupted":
        return [
            "",
            f"{len(gaps)} MUST contract(s) without evidence: the run was interrupted "
            "(summary.json lists them)",
        ]
    lines = ["", "MUST contracts without evidence"]
    for g in gaps:
        state = g["state"].replace("_", " ")
        if g["status"] == "open":
            lines.append(f"  OPEN      {g['contract_id']} ({state}): {g['why']}")
            lines.append(f"            to exercise it: {g['how']}")
        else:
            expiry = f", until {g['expires']}" if g.get("expires") else ""
            lines.append(
                f"  {g['status'].upper():<9} {g['contract_id']} ({state}) by {g['accepted_by']}"
                f"{expiry}: {g['reason']}"
            )
    if any(g["status"] == "open" for g in gaps):
        lines.append(
            "  Accept a gap explicitly with --accept-gap CONTRACT_ID=REASON, or a baseline "
            "entry of kind gap (reason and expiry)."
        )
    return lines


def _why(summary: dict[str, Any]) -> str:
    verdict = summary["verdict"]
    parts = []
    if verdict == "not_conformant":
        gated = sum(1 for c in summary["contracts"] if c["gate"] == "fail")
        if gated:
            parts.append(f"{gated} MUST contract(s) with new or regressed findings")
        if summary["unattributed_findings"]:
            parts.append(f"{len(summary['unattributed_findings'])} failure(s) outside any contract")
    elif verdict == "interrupted":
        signal = (summary.get("interrupted") or {}).get("signal", "a signal")
        parts.append(f"stopped by {signal}: the contracts it did not reach prove nothing")
    return " [" + "; ".join(parts) + "]" if parts else ""


def render_final(summary: dict[str, Any], report_paths: list[str]) -> str:
    lines = _per_contract(summary)
    for f in summary["unattributed_findings"]:
        found_id = f" [{f['id']}]" if f.get("id") else ""
        lines.append(f"  FAILED   (no contract){found_id} {f['test']}: {f['summary']}  [gate]")
    lines += _root_causes(summary) + _failing(summary) + _gaps(summary)
    t = summary["totals"]
    lines.append("")
    lines.append(
        f"Totals: {t['total']} contracts: {t['passed']} passed, {t['failed']} failed, "
        f"{t['warned']} warned, {t.get('not_exercised', 0)} not exercised, {t['not_run']} not run"
    )
    headline = summary.get("verdict_line") or summary["verdict"].replace("_", " ").upper()
    lines.append(
        f"Verdict: {headline}{_why(summary)}, exit code {summary['exit_code']}, "
        f"seed {summary['seed']}"
    )
    lines.append("Reports: " + ", ".join(report_paths))
    return "\n".join(lines) + "\n"
