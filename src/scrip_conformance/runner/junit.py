"""junit.xml after the run: the run's verdict (partial, interrupted) on the test suite, each
failing test case's findings with their curl lines in ``<system-out>``, and a SHOULD contract
that was not met, or a contract that checked nothing, never read as a pass.

JUnit has no warning outcome. The contracts plugin reports a SHOULD-only failure as a passed
test carrying the property ``scrip_should_warning``; here that test case gets a ``<skipped
type="warning">`` whose message starts with ``WARNING`` (a reader counts it apart from the passes,
and none fails its build on a skip), a ``<system-out>`` naming the contract and what it saw
(Jenkins, GitLab and Azure show it beside the test) and a ``scrip_verdict`` property ``warned``.
A test whose contracts all went without evidence gets a ``<skipped type="not-exercised">``."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

WARNING_PROPERTY = "scrip_should_warning"
VIOLATIONS_PROPERTY = "scrip_violations"
MAX_FINDINGS_SHOWN = 20
WARNING_HEADING = "WARNING: SHOULD-level contract not met (a warning: it does not fail the gate)"
FAILURE_HEADING = "FAILED: the contract's findings, each with the request that shows it"


def _findings_text(heading: str, findings: list[dict[str, Any]]) -> str:
    lines = [heading]
    for v in findings[:MAX_FINDINGS_SHOWN]:
        subject = f" ({v['subject']})" if v.get("subject") else ""
        lines.append(f"[{v.get('contract_id') or '-'}] {v.get('summary', '')}{subject}")
        lines.append(f"  expected: {v.get('expected', '')}")
        lines.append(f"  observed: {v.get('observed', '')}")
        if v.get("request"):
            lines.append(f"  reproduce: {v['request']}")
        if v.get("exchanges"):
            lines.append(f"  exchange: {', '.join(v['exchanges'])} (exchanges.har)")
        if v.get("baseline") == "known":
            lines.append(
                f"  known: in the baseline until {v.get('baseline_expires')} "
                f"({v.get('baseline_reason')}); it does not fail the gate"
            )
    if len(findings) > MAX_FINDINGS_SHOWN:
        lines.append("... and more: summary.json and report.html list them")
    return "\n".join(lines) + "\n"


def junit_address(nodeid: str) -> tuple[str, str]:
    """The ``(classname, name)`` pytest's junitxml gives the test ``nodeid``."""
    path, bracket, params = nodeid.partition("[")
    names = path.split("::")
    names[0] = re.sub(r"\.py$", "", names[0].replace("/", "."))
    return ".".join(names[:-1]), names[-1] + bracket + params


def _properties(case: ET.Element) -> dict[str | None, str | None]:
    props = case.find("properties")
    found = [] if props is None else props.findall("property")
    return {p.get("name"): p.get("value") for p in found}


def _add_property(case: ET.Element, name: str, value: str) -> None:
    props = case.find("properties")
    if props is None:
        props = ET.Element("properties")
        case.insert(0, props)
    ET.SubElement(props, "property", name=name, value=value)


def _prepend_output(case: ET.Element, text: str) -> None:
    out = case.find("system-out")
    if out is None:
        out = ET.SubElement(case, "system-out")
    out.text = text + (out.text or "")


def _skip(case: ET.Element, kind: str, message: str) -> None:
    """Mark ``case`` skipped (before its outputs, where the JUnit schema wants a result)."""
    skipped = ET.Element("skipped", type=kind, message=message)
    props = case.find("properties")
    case.insert(0 if props is None else list(case).index(props) + 1, skipped)


def _has_result(case: ET.Element) -> bool:
    return any(case.find(tag) is not None for tag in ("failure", "error", "skipped"))


def _mark_warning(case: ET.Element, values: dict[str | None, str | None]) -> None:
    try:
        violations = json.loads(values.get(VIOLATIONS_PROPERTY) or "[]")
    except ValueError:
        violations = []
    violations = (
        [v for v in violations if isinstance(v, dict)] if isinstance(violations, list) else []
    )
    _add_property(case, "scrip_verdict", "warned")
    _prepend_output(case, _findings_text(WARNING_HEADING, violations))
    ids = values.get("scrip_contract") or "a SHOULD contract"
    first = violations[0].get("summary", "") if violations else ""
    if not _has_result(case):
        _skip(case, "warning", f"WARNING: {ids} (SHOULD) not met: {first}".rstrip(": "))


def _findings_by_test(summary: dict[str, Any]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    everything = [f for c in summary.get("contracts", []) for f in c.get("findings", [])]
    for finding in everything + list(summary.get("unattributed_findings") or []):
        if finding.get("test"):
            found.setdefault(junit_address(finding["test"]), []).append(finding)
    return found


def _mark_from_summary(root: ET.Element, summary: dict[str, Any]) -> None:
    """Failing test cases get their findings; tests that checked nothing are not passes."""
    findings = _findings_by_test(summary)
    contracts = {c["id"]: c for c in summary.get("contracts", [])}
    for case in root.iter("testcase"):
        values = _properties(case)
        address = (case.get("classname") or "", case.get("name") or "")
        if case.find("failure") is not None or case.find("error") is not None:
            if findings.get(address):
                _prepend_output(case, _findings_text(FAILURE_HEADING, findings[address]))
                _add_property(case, "scrip_verdict", "failed")
            continue
        ids = [i for i in (values.get("scrip_contract") or "").split(",") if i]
        unexercised = [contracts[i] for i in ids if i in contracts]
        if (
            ids
            and not _has_result(case)
            and len(unexercised) == len(ids)
            and all(c["verdict"] == "not_exercised" for c in unexercised)
        ):
            why = "; ".join(f"{c['id']}: {c.get('reason') or 'no witness'}" for c in unexercised)
            _skip(case, "not-exercised", f"NOT EXERCISED: checked nothing ({why})")
            _add_property(case, "scrip_verdict", "not_exercised")


def _recount(root: ET.Element) -> None:
    """Each test suite's ``skipped`` count, after the marks."""
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    for suite in suites:
        cases = suite.findall("testcase")
        suite.set("skipped", str(sum(c.find("skipped") is not None for c in cases)))


def annotate(path: Path, summary: dict[str, Any] | None = None) -> int:
    """Mark the warnings (and, given the run's ``summary``, the failures' findings, the tests
    without evidence and the run's verdict) in ``path``; how many warnings were marked."""
    try:
        tree = ET.parse(path)
    except (OSError, ET.ParseError):
        return 0
    root = tree.getroot()
    marked = 0
    for case in root.iter("testcase"):
        values = _properties(case)
        if values.get(WARNING_PROPERTY) == "true":
            _mark_warning(case, values)
            marked += 1
    if summary is not None:
        _mark_from_summary(root, summary)
        _suite_properties(root, summary)
    if marked or summary is not None:
        _recount(root)
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
