"""``report.html``: one self-contained page (inline CSS and SVG, no script, no external asset)
for a person: the verdict (with the partial selection), the probable root causes, every failing
contract with its findings in order of first occurrence, the MUST contracts without evidence,
the SHOULD warnings, charts, then all contracts with what each checked."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from html import escape
from typing import Any

from scrip_conformance import witnesses
from scrip_conformance.recording import har
from scrip_conformance.runner import charts, exchanges
from scrip_conformance.runner.schedule import Schedule

REPORT_NAME = "report.html"
MAX_FINDINGS_SHOWN = 5  # per contract, in full: the rest are counted (a report people read)

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#212121;
background:#fafafa;line-height:1.4}
main{max-width:1100px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}
.verdict{display:inline-block;padding:8px 16px;border-radius:6px;color:#fff;font-weight:bold;
font-size:20px}
.verdict.conformant{background:#2e7d32}.verdict.not_conformant{background:#c62828}
.verdict.inconclusive{background:#6d4c41}.verdict.interrupted{background:#37474f}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e0e0e0;vertical-align:top}
.meta th{width:180px;color:#555;font-weight:normal}
.totals span{display:inline-block;margin-right:16px;font-size:15px}
.tag{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px}
.tag.passed{background:#2e7d32}.tag.failed{background:#c62828}.tag.warned{background:#ef6c00}
.tag.not_run{background:#9e9e9e}.tag.not_exercised{background:#6d4c41}
.tag.open{background:#6d4c41}.tag.accepted{background:#546e7a}.tag.declared{background:#78909c}.tag.new{background:#c62828}.tag.expired{background:#6a1b9a}
.tag.known{background:#546e7a}
article.contract{background:#fff;border:1px solid #e0e0e0;border-left:6px solid #c62828;
border-radius:4px;padding:8px 16px;margin:12px 0}
article.contract.warned{border-left-color:#ef6c00}
.finding{border-top:1px dashed #ddd;padding:8px 0}
.finding-detail td{white-space:pre-wrap;word-break:break-word}
.exchange{margin:4px 0 4px 12px;padding-left:8px;border-left:3px solid #90a4ae}
pre{background:#263238;color:#eceff1;padding:8px;overflow-x:auto;white-space:pre-wrap;
word-break:break-all;font-size:12px;border-radius:4px}
.charts svg{background:#fff;border:1px solid #e0e0e0;margin:4px 8px 4px 0}
.muted{color:#757575}
"""


def _tag(value: str) -> str:
    return f'<span class="tag {escape(value)}">{escape(value.replace("_", " "))}</span>'


def _exchange(x: dict[str, Any]) -> str:
    """One recorded exchange beside its finding: request line, status, the relevant body."""
    status = f"status {x['status']}" if x["status"] else f"no answer: {x['error']}"
    rows = [
        f'<div class="exchange" data-exchange-id="{escape(x["id"])}">',
        f"<p><code>{escape(x['id'])}</code> <code>{escape(x['request_line'])}</code> "
        f"→ <strong>{escape(status)}</strong></p>",
    ]
    if x["request_body"]:
        rows.append(f'<pre class="request-body">{escape(x["request_body"])}</pre>')
    if x["body"]:
        rows.append(f'<pre class="response-body">{escape(x["body"])}</pre>')
    if x["note"]:
        rows.append(f'<p class="muted">{escape(x["note"])}</p>')
    rows.append("</div>")
    return "".join(rows)


def _finding(f: dict[str, Any], entries: dict[str, dict] | None = None) -> str:
    found_id = f.get("id") or ""
    rows = [
        f'<div class="finding" data-contract-id="{escape(f["contract_id"])}" '
        f'data-finding-id="{escape(found_id)}" id="finding-{escape(found_id)}">',
        f"<p><code>{escape(found_id)}</code> <strong>{escape(f['summary'])}</strong> "
        f"{_tag(f['baseline'])}</p>",
        '<table class="finding-detail">',
        f"<tr><th>check</th><td><code>{escape(f['check'])}</code></td></tr>",
    ]
    if f.get("subject"):
        rows.append(f"<tr><th>subject</th><td>{escape(f['subject'])}</td></tr>")
    rows.append(f"<tr><th>expected</th><td>{escape(f['expected'])}</td></tr>")
    rows.append(f"<tr><th>got</th><td>{escape(f['observed'])}</td></tr>")
    if f.get("baseline_reason"):
        rows.append(
            f"<tr><th>baseline</th><td>{escape(f['baseline_reason'])} (expires "
            f"{escape(str(f.get('baseline_expires') or ''))})</td></tr>"
        )
    rows.append(f"<tr><th>test</th><td><code>{escape(f.get('test', ''))}</code></td></tr>")
    rows.append("</table>")
    if f.get("request"):
        rows.append(f'<p>Reproduce with:</p><pre class="curl">{escape(f["request"])}</pre>')
    shown = exchanges.views_of(f, entries or {})
    if shown:
        rows.append(
            f"<p>Recorded exchange(s) in {har.HAR_NAME} (replay: <code>scrip-conformance replay "
            f"REPORT_DIR --finding {escape(found_id)}</code>):</p>"
        )
        rows += [_exchange(x) for x in shown]
    elif f.get("exchanges"):
        rows.append(
            f'<p class="muted">exchange(s) {escape(", ".join(f["exchanges"]))} in '
            f"{har.HAR_NAME}</p>"
        )
    rows.append("</div>")
    return "".join(rows)


def _failing_contract(c: dict[str, Any], entries: dict[str, dict] | None = None) -> str:
    out = [
        f'<article class="contract {escape(c["verdict"])}" id="contract-{escape(c["id"])}" '
        f'data-contract-id="{escape(c["id"])}">',
        f'<h3>{_tag(c["verdict"])} {escape(c["id"])} <span class="muted">'
        f"{escape(c['level'])} · {escape(c['profile'])} · {escape(c['area'])}</span></h3>",
        f"<p>{escape(c['statement'])}</p>",
    ]
    if c.get("source"):
        out.append(f'<p class="muted">source: {escape(c["source"])}</p>')
    out += [_finding(f, entries) for f in c["findings"][:MAX_FINDINGS_SHOWN]]
    hidden = c["findings_total"] - min(len(c["findings"]), MAX_FINDINGS_SHOWN)
    if hidden > 0:
        out.append(
            f'<p class="muted">… and {hidden} more finding(s) of this contract '
            "(summary.json lists the first 100).</p>"
        )
    out.append("</article>")
    return "".join(out)


def _text(value: Any) -> str:
    """A value for people: booleans as yes/no (never Python's True), None as a dash."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "-"
    return str(value)


def _root_causes(summary: dict[str, Any]) -> str:
    causes = summary.get("root_causes") or []
    if not causes:
        return ""
    items = "".join(
        f"<li><code>{escape(c['endpoint'])}</code>: <strong>{escape(c['summary'])}</strong> "
        f"({c['findings']} finding(s) of {', '.join(_link(cid) for cid in c['contracts'])})"
        + (f'<pre class="curl">{escape(c["request"])}</pre>' if c.get("request") else "")
        + "</li>"
        for c in causes
    )
    return (
        '<h2 id="root-causes">Probable root causes</h2>'
        '<p class="muted">The failing contracts\' findings grouped by the endpoint whose answers '
        "showed them, the earliest first: it may explain the ones after it.</p>"
        f"<ol>{items}</ol>"
    )


def _link(cid: str) -> str:
    return f'<a href="#contract-{escape(cid)}">{escape(cid)}</a>'


def _gaps(summary: dict[str, Any]) -> str:
    gaps = summary.get("gaps") or []
    if not gaps:
        return ""
    rows = []
    for g in gaps:
        if g["status"] == "open":
            detail = f"{escape(g['why'])}<br><em>To exercise it:</em> {escape(g['how'])}"
        else:
            until = f" (until {escape(g['expires'])})" if g.get("expires") else ""
            detail = f"by {escape(g['accepted_by'])}{until}: {escape(g['reason'])}"
        rows.append(
            f'<tr id="gap-{escape(g["contract_id"])}"><td>{_tag(g["status"])}</td>'
            f"<td>{escape(g['contract_id'])}</td><td>{_tag(g['state'])}</td><td>{detail}</td></tr>"
        )
    return (
        f'<h2 id="gaps">MUST contracts without evidence ({len(gaps)})</h2>'
        '<p class="muted">Open gaps make the run INCONCLUSIVE; accept one explicitly with '
        "<code>--accept-gap ID=REASON</code> or a baseline entry of kind <code>gap</code>.</p>"
        "<table><thead><tr><th>gap</th><th>contract</th><th>state</th><th>why / how</th></tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _meta(summary: dict[str, Any]) -> str:
    target = summary["target"]
    rows = [
        ("target", target["base_url"] + (" (embedded reference)" if target["embedded"] else "")),
        ("profiles", ", ".join(summary["profiles"]) or "all"),
        ("budget", summary["budget"]),
        ("read-only", "yes (GET only)" if summary["read_only"] else "no"),
        ("seed", str(summary["seed"])),
        ("only", ", ".join(summary["selection"]["only"]) or "all contracts"),
        ("suite", f"{summary['suite']['version']} (sha256 {summary['suite']['sha256']})"),
        ("spec", f"{summary['spec']['version']} (sha256 {summary['spec']['sha256']})"),
        ("started", summary["started_at"]),
        ("duration", f"{summary['duration_seconds']} s"),
    ]
    if summary.get("partial"):
        rows.insert(0, ("selection", summary["partial"]))
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return f'<table class="meta">{body}</table>'


def _schedule(schedule: Schedule | None) -> str:
    if schedule is None:
        return '<p class="muted">The expiration schedule was not fetched.</p>'
    head = (
        f'<p class="muted">GET /v1/reports/expiration-schedule from {escape(schedule.window_from)} '
        f"to {escape(schedule.window_to)}, by month, as the target answered after the run.</p>"
    )
    if schedule.error:
        return head + f'<p class="muted">Not available: {escape(schedule.error)}.</p>'
    if not schedule.rows:
        return head + '<p class="muted">The target has no LOT asset.</p>'
    shown = sorted(schedule.rows, key=_outstanding, reverse=True)[:8]
    return head + "".join(charts.expiration_chart(r, i) for i, r in enumerate(shown))


def _outstanding(row: dict[str, Any]) -> Decimal:
    """The row's total_outstanding, so the chart shows the assets holding the most value."""
    try:
        return Decimal(str(row.get("total_outstanding")))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def _coverage(coverage: Any) -> str:
    if not coverage:
        return ""
    rows = coverage.get("operations") if isinstance(coverage, dict) else coverage
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        return ""
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    head = "".join(f"<th>{escape(str(c))}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(_text(r.get(c, '')))}</td>" for c in columns) + "</tr>"
        for r in rows
    )
    return (
        '<h2 id="coverage">Fuzzing coverage per operation</h2>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _all_contracts(summary: dict[str, Any]) -> str:
    groups: dict[str, list[dict[str, Any]]] = {}
    for c in sorted(summary["contracts"], key=lambda c: (c["profile"], c["id"])):
        groups.setdefault(c["profile"] or "(none)", []).append(c)
    out = []
    for profile, contracts in groups.items():
        out.append(
            f"<h3>profile {escape(profile)}</h3><table><thead><tr><th>verdict</th>"
            "<th>contract</th><th>level</th><th>statement</th><th>checked</th><th>note</th>"
            "</tr></thead><tbody>"
        )
        for c in contracts:
            note = c["reason"] or (f"{c['findings_total']} finding(s)" if c["findings"] else "")
            checked = witnesses.describe(c.get("witnesses") or {})
            link = (
                f'<a href="#contract-{escape(c["id"])}">{escape(c["id"])}</a>'
                if c["findings"]
                else escape(c["id"])
            )
            out.append(
                f'<tr class="row-{escape(c["verdict"])}"><td>{_tag(c["verdict"])}</td>'
                f"<td>{link}</td><td>{escape(c['level'])}</td><td>{escape(c['statement'])}</td>"
                f"<td>{escape(checked)}</td><td>{escape(note)}</td></tr>"
            )
        out.append("</tbody></table>")
    return "".join(out)


def _baseline(summary: dict[str, Any]) -> str:
    doc = summary.get("baseline")
    if not doc:
        return ""
    out = [
        f'<h2 id="baseline">Baseline</h2><p>{escape(doc["path"])}: {doc["entries"]} entries.</p>'
    ]
    for title, key in (
        ("Expired entries (their findings fail the gate again)", "expired_entries"),
        ("Unused entries (no finding matched: remove them)", "unused_entries"),
    ):
        if doc[key]:
            items = "".join(
                f"<li><code>{escape(e['contract'])}</code> / <code>{escape(e['check'])}</code>: "
                f"{escape(e['reason'])} (expires {escape(e['expires'])})</li>"
                for e in doc[key]
            )
            out.append(f"<p>{escape(title)}:</p><ul>{items}</ul>")
    return "".join(out)


def _charts(
    summary: dict[str, Any], areas: dict[str, dict[str, int]], schedule: Schedule | None
) -> list[str]:
    parts = ['<h2 id="charts">Charts</h2><div class="charts">']
    if areas:
        parts += ["<h3>Contracts by area</h3>", charts.areas_chart(areas)]
    parts += ["<h3>The target's expiration schedule</h3>", _schedule(schedule), "</div>"]
    return parts


def render_report(
    summary: dict[str, Any],
    areas: dict[str, dict[str, int]],
    schedule: Schedule | None,
    entries: dict[str, dict] | None = None,
) -> str:
    """The whole page as one string; ``summary`` is the dict written to summary.json,
    ``entries`` the recorded exchanges its findings name (``exchanges.har``), by id."""
    verdict = summary["verdict"]
    totals = summary["totals"]
    by_id = {c["id"]: c for c in summary["contracts"]}
    order = summary.get("failing_contracts") or sorted(
        (c["id"] for c in summary["contracts"] if c["verdict"] in ("failed", "warned")),
        key=lambda cid: (by_id[cid]["verdict"] != "failed", cid),
    )
    failed = [by_id[cid] for cid in order if by_id[cid]["verdict"] == "failed"]
    warned = [by_id[cid] for cid in order if by_id[cid]["verdict"] == "warned"]
    headline = summary.get("verdict_line") or verdict.replace("_", " ").upper()
    counted = ("passed", "failed", "warned", "not_exercised", "not_run")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Scrip conformance: {escape(verdict.replace('_', ' '))}</title>",
        f"<style>{_CSS}</style></head><body><main>",
        "<h1>Scrip conformance report</h1>",
        f'<p><span id="verdict" class="verdict {escape(verdict)}" data-verdict="{escape(verdict)}">'
        f"{escape(verdict.replace('_', ' ').upper())}</span> "
        f'<span class="muted">exit code {summary["exit_code"]}</span></p>',
        f'<p id="verdict-line">{escape(headline)}</p>',
    ]
    if summary.get("interrupted"):
        parts.append(
            f'<p id="interrupted"><strong>Interrupted by {escape(summary["interrupted"]["signal"])}'
            "</strong>: the contracts the run did not reach prove nothing.</p>"
        )
    parts += [
        '<p class="totals" id="totals">'
        + "".join(f"<span>{_tag(k)} {totals.get(k, 0)}</span>" for k in counted)
        + f"<span>of {totals['total']} contracts</span></p>",
        _meta(summary),
        _root_causes(summary),
        f'<h2 id="failing">Failing contracts ({len(failed)})</h2>',
    ]
    if failed:
        parts.append('<p class="muted">In the order their first finding appeared.</p>')
        parts += [_failing_contract(c, entries) for c in failed]
    else:
        parts.append("<p>No MUST contract failed.</p>")
    if summary["unattributed_findings"]:
        parts.append('<h2 id="unattributed">Failures outside any contract</h2>')
        parts += [_finding(f, entries) for f in summary["unattributed_findings"]]
    parts.append(_gaps(summary))
    if warned:
        parts.append(f'<h2 id="warnings">SHOULD contracts not met: warnings ({len(warned)})</h2>')
        parts += [_failing_contract(c, entries) for c in warned]
    parts += _charts(summary, areas, schedule)
    parts.append(_baseline(summary))
    parts.append(_coverage(summary.get("coverage")))
    parts.append('<h2 id="contracts">All contracts, by profile</h2>')
    parts.append(_all_contracts(summary))
    parts.append("</main></body></html>")
    return "\n".join(p for p in parts if p)
