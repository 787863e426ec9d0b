"""The recorded exchanges beside the findings that name them: a short view of each (request
line, status, the part of the body the finding is about) for report.html and the console, and
the whole entries as Allure attachments of the tests that found them."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

from scrip_conformance.recording import har

EXCERPT_BEFORE = 300
EXCERPT_AFTER = 700
_TOKEN = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def all_findings(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Every finding summary.json lists, contracts' and unattributed."""
    found = [f for c in summary.get("contracts", []) for f in c.get("findings", [])]
    return found + list(summary.get("unattributed_findings", []))


def entries_of_findings(har_path: Path | None, summary: dict[str, Any]) -> dict[str, dict]:
    """The HAR entries the findings of ``summary`` name, by id ({} without a HAR)."""
    ids = {x for f in all_findings(summary) for x in f.get("exchanges", [])}
    if har_path is None or not ids or not har_path.is_file():
        return {}
    try:
        return har.read_entries(har_path, ids)
    except har.NotAHar:
        return {}


def excerpt(text: str, finding: dict[str, Any]) -> str:
    """The part of a body the finding is about: around the first id its subject or observation
    names, else the body's start."""
    if not text:
        return ""
    at = -1
    for source in (finding.get("subject") or "", finding.get("observed") or ""):
        for token in _TOKEN.findall(source):
            at = text.find(token)
            if at >= 0:
                break
        if at >= 0:
            break
    start, end = 0, min(EXCERPT_BEFORE + EXCERPT_AFTER, len(text))
    if at >= 0:  # the JSON object that holds the id (a lot, a row), else the text around it
        opening, closing = text.rfind("{", 0, at), text.find("}", at)
        if 0 <= opening and at - opening <= EXCERPT_BEFORE and 0 <= closing - at <= EXCERPT_AFTER:
            start, end = opening, closing + 1
        else:
            start = max(at - EXCERPT_BEFORE, 0)
            end = min(at + EXCERPT_AFTER, len(text))
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def view(entry: dict[str, Any], finding: dict[str, Any]) -> dict[str, Any]:
    """One exchange as a reader of a finding sees it."""
    request, response = entry.get("request", {}), entry.get("response", {})
    body = str(request.get("postData", {}).get("text", ""))
    return {
        "id": entry.get("_id", ""),
        "request_line": f"{request.get('method', '')} {request.get('url', '')}",
        "request_body": body[:EXCERPT_AFTER] + ("…" if len(body) > EXCERPT_AFTER else ""),
        "status": response.get("status", 0),
        "error": entry.get("_error", ""),
        "body": excerpt(str(response.get("content", {}).get("text", "")), finding),
        "note": entry.get("comment", ""),
    }


def views_of(finding: dict[str, Any], entries: dict[str, dict]) -> list[dict[str, Any]]:
    return [view(entries[x], finding) for x in finding.get("exchanges", []) if x in entries]


def _allure_results(allure_dir: Path) -> dict[tuple[str, str], tuple[Path, dict]]:
    """allure-pytest's result files by (fullName, name)."""
    results = {}
    for path in allure_dir.glob("*-result.json"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        results[(str(data.get("fullName", "")), str(data.get("name", "")))] = (path, data)
    return results


def allure_key(nodeid: str) -> tuple[str, str]:
    """allure-pytest's (fullName, name) of the test ``nodeid``."""
    path, _, rest = nodeid.partition("::")
    module = path.removesuffix(".py").replace("/", ".")
    parts = rest.split("::")
    name = parts[-1]
    classes = "".join(f".{c}" for c in parts[:-1])
    return f"{module}{classes}#{name.split('[')[0]}", name


def attach_to_allure(allure_dir: Path, summary: dict[str, Any], entries: dict[str, dict]) -> int:
    """Attach each finding's exchanges (the HAR entries, as JSON) to the Allure result of the
    test that found it; how many were attached."""
    if not entries or not allure_dir.is_dir():
        return 0
    results = _allure_results(allure_dir)
    changed: dict[Path, dict] = {}
    attached = 0
    for finding in all_findings(summary):
        found = results.get(allure_key(str(finding.get("test", ""))))
        if found is None:
            continue
        path, data = found
        for exchange_id in finding.get("exchanges", []):
            if exchange_id not in entries:
                continue
            source = f"{uuid.uuid4()}-attachment.json"
            (allure_dir / source).write_text(
                json.dumps(entries[exchange_id], indent=1, ensure_ascii=False), encoding="utf-8"
            )
            data.setdefault("attachments", []).append(
                {
                    "name": f"exchange {exchange_id} ({finding.get('id', '')} "
                    f"{finding.get('contract_id', '')})",
                    "source": source,
                    "type": "application/json",
                }
            )
            changed[path] = data
            attached += 1
    for path, data in changed.items():
        path.write_text(json.dumps(data), encoding="utf-8")
    return attached
