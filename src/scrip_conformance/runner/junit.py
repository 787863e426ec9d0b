"""junit.xml and allure-results after the run: the run's verdict (partial, interrupted) on the
test suite, and a SHOULD contract that was not met as a *warning*, never a plain pass.

The contracts plugin reports a SHOULD-only failure as a passed test carrying the property
``scrip_should_warning``; JUnit has no warning outcome, and most readers (Jenkins, GitLab, Azure)
show a test's ``<system-out>`` beside it. So each such test case gets a ``<system-out>`` that
starts with ``WARNING`` and names the contract and what it saw, and a ``scrip_verdict`` property
``warned``."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

WARNING_PROPERTY = "scrip_should_warning"
VIOLATIONS_PROPERTY = "scrip_violations"


def _warning_text(violations: list[dict[str, Any]]) -> str:
    lines = ["WARNING: SHOULD-level contract not met (a warning: it does not fail the gate)"]
    for v in violations[:20]:
        lines.append(f"[{v.get('contract_id', '')}] {v.get('summary', '')}")
        lines.append(f"  expected: {v.get('expected', '')}")
        lines.append(f"  observed: {v.get('observed', '')}")
        if v.get("request"):
            lines.append(f"  reproduce: {v['request']}")
        if v.get("exchanges"):
            lines.append(f"  exchange: {', '.join(v['exchanges'])} (exchanges.har)")
    return "\n".join(lines) + "\n"


def mark_should_warnings(path: Path, summary: dict[str, Any] | None = None) -> int:
    """Give every SHOULD-warning test case of ``path`` its WARNING text; how many were marked."""
    try:
        tree = ET.parse(path)
    except (OSError, ET.ParseError):
        return 0
    marked = 0
    for case in tree.getroot().iter("testcase"):
        props = case.find("properties")
        if props is None:
            continue
        values = {p.get("name"): p.get("value") for p in props.findall("property")}
        if values.get(WARNING_PROPERTY) != "true":
            continue
        try:
            violations = json.loads(values.get(VIOLATIONS_PROPERTY) or "[]")
        except ValueError:
            violations = []
        ET.SubElement(props, "property", name="scrip_verdict", value="warned")
        out = case.find("system-out")
        if out is None:
            out = ET.SubElement(case, "system-out")
        out.text = _warning_text(violations if isinstance(violations, list) else []) + (
            out.text or ""
        )
        marked += 1
    if summary is not None:
        _suite_properties(tree.getroot(), summary)
    if marked or summary is not None:
        tree.write(path, encoding="utf-8", xml_declaration=True)
    return marked


def run_properties(summary: dict[str, Any]) -> dict[str, str]:
    """The run's verdict as name/value pairs (JUnit suite properties, Allure environment)."""
    return {
        "scrip_verdict": summary["verdict"],
        "scrip_verdict_line": summary.get("verdict_line") or summary["verdict"],
        "scrip_exit_code": str(summary["exit_code"]),
        "scrip_partial": summary.get("partial") or "no: every contract was selected",
        "scrip_seed": str(summary["seed"]),
    }


def _suite_properties(root: ET.Element, summary: dict[str, Any]) -> None:
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    for suite in suites:
        props = suite.find("properties")
        if props is None:
            props = ET.Element("properties")
            suite.insert(0, props)
        for name, value in run_properties(summary).items():
            ET.SubElement(props, "property", name=name, value=value)


def write_allure_environment(allure_dir: Path, summary: dict[str, Any]) -> None:
    """``environment.properties``: Allure's Environment widget shows the run's verdict."""
    if not allure_dir.is_dir():
        return
    lines = [f"{name}={value}" for name, value in run_properties(summary).items()]
    (allure_dir / "environment.properties").write_text("\n".join(lines) + "\n", encoding="utf-8")
