"""allure-results after the run: the run's verdict in Allure's Environment widget, and a SHOULD
contract that was not met, or a contract test that checked nothing, never shown as a pass.

Allure has no warning status either. The contracts plugin reports a SHOULD-only failure as a
passed test with the failure's message; here such a result becomes ``skipped`` with a message
starting ``WARNING``, and a test whose contracts all went without evidence ``skipped`` with
``NOT EXERCISED``. ``categories.json`` sorts both (and the contracts not run) into categories of
their own in the report. A result names its contracts by its ``witnesses <ID>`` parameters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scrip_conformance.runner.junit import run_properties

WITNESS_PARAMETER = "witnesses "
CATEGORIES = [
    {
        "name": "SHOULD-level contracts not met (warnings: they do not fail the gate)",
        "matchedStatuses": ["skipped"],
        "messageRegex": "(?s)WARNING: .*",
    },
    {
        "name": "Contracts without evidence (not exercised: no pass)",
        "matchedStatuses": ["skipped"],
        "messageRegex": "(?s)NOT EXERCISED: .*",
    },
    {
        "name": "Contracts not run on this target",
        "matchedStatuses": ["skipped"],
        "messageRegex": "(?s).*not run: .*",
    },
    {"name": "Contract findings", "matchedStatuses": ["failed"]},
    {"name": "Suite errors (the run could not judge)", "matchedStatuses": ["broken"]},
]


def _contract_ids(result: dict[str, Any]) -> list[str]:
    names = [str(p.get("name", "")) for p in result.get("parameters") or []]
    return [n[len(WITNESS_PARAMETER) :] for n in names if n.startswith(WITNESS_PARAMETER)]


def _mark(result: dict[str, Any], verdicts: dict[str, dict[str, Any]]) -> bool:
    """Turn a passed result of a warned or unexercised contract test into a skip; whether it
    changed."""
    ids = _contract_ids(result)
    known = [verdicts[i] for i in ids if i in verdicts]
    if result.get("status") != "passed" or not ids or len(known) != len(ids):
        return False
    details = result.setdefault("statusDetails", {})
    message = details.get("message") or ""
    warned = [c["id"] for c in known if c["verdict"] == "warned"]
    if warned and message:  # the plugin passed a test that failed only SHOULD contracts
        details["message"] = f"WARNING: {', '.join(warned)} (SHOULD) not met\n{message}"
    elif all(c["verdict"] == "not_exercised" for c in known):
        why = "; ".join(f"{c['id']}: {c.get('reason') or 'no witness'}" for c in known)
        details["message"] = f"NOT EXERCISED: checked nothing ({why})"
    else:
        return False
    result["status"] = "skipped"
    return True


def annotate(allure_dir: Path, summary: dict[str, Any]) -> int:
    """Write the environment and the categories, mark the results; how many were marked."""
    if not allure_dir.is_dir():
        return 0
    lines = [f"{name}={value}" for name, value in run_properties(summary).items()]
    (allure_dir / "environment.properties").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (allure_dir / "categories.json").write_text(json.dumps(CATEGORIES, indent=2), encoding="utf-8")
    verdicts = {c["id"]: c for c in summary.get("contracts", [])}
    marked = 0
    for path in sorted(allure_dir.glob("*-result.json")):
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(result, dict) and _mark(result, verdicts):
            path.write_text(json.dumps(result), encoding="utf-8")
            marked += 1
    return marked
