"""summary.json follows its published schema, and the schema is strict enough to matter."""

from __future__ import annotations

import copy
import datetime as dt

import jsonschema
import pytest

from scrip_conformance.runner.baseline import parse_baseline
from scrip_conformance.runner.outcomes import ContractResult, Finding, ItemOutcome
from scrip_conformance.runner.summary import (
    MAX_FINDINGS_PER_CONTRACT,
    RunInfo,
    build_summary,
    failed_contract_ids,
    validate_summary,
)
from scrip_conformance.runner.verdict import decide


def _summary(**kwargs):
    finding = Finding("B", "test_b", "broke", "1", "2", request="curl http://t")
    results = [
        ContractResult(
            "A",
            level="MUST",
            profile="read-only",
            area="lots",
            tests=[ItemOutcome("t::a", "passed", 0.1)],
            witnesses={"lots": 4},
        ),
        ContractResult(
            "B",
            level="MUST",
            profile="read-only",
            area="lots",
            tests=[ItemOutcome("t::b", "failed", 0.1)],
            findings=[finding] * (MAX_FINDINGS_PER_CONTRACT + 5),
        ),
        ContractResult(
            "C",
            level="SHOULD",
            profile="isolation",
            area="auth",
            tests=[ItemOutcome("t::c", "skipped", reason="no second key")],
        ),
    ]
    info = RunInfo(
        base_url="http://127.0.0.1:1",
        embedded=True,
        seed=7,
        budget="quick",
        read_only=False,
        profiles=["read-only", "isolation"],
    )
    return build_summary(info, results, [], decide(results), **kwargs)


def test_a_built_summary_validates_and_caps_findings_while_counting_them_all():
    summary = _summary()
    validate_summary(summary)
    b = next(c for c in summary["contracts"] if c["id"] == "B")
    assert len(b["findings"]) == MAX_FINDINGS_PER_CONTRACT
    assert b["findings_total"] == MAX_FINDINGS_PER_CONTRACT + 5
    assert b["gate"] == "fail"
    assert len(summary["spec"]["sha256"]) == len(summary["suite"]["sha256"]) == 64
    assert failed_contract_ids(summary) == ["B"]
    a = next(c for c in summary["contracts"] if c["id"] == "A")
    assert (a["witnesses"], a["witness_total"]) == ({"lots": 4}, 4)
    assert summary["root_causes"] == [
        {
            "endpoint": "GET /",
            "request": "curl http://t",
            "summary": "broke",
            "contracts": ["B"],
            "findings": MAX_FINDINGS_PER_CONTRACT + 5,
        }
    ]


def test_a_summary_with_a_baseline_lists_expired_and_unused_entries():
    baseline = parse_baseline(
        {
            "entries": [
                {"contract": "B", "check": "test_b", "reason": "r", "expires": "2020-01-01"},
                {"contract": "Z", "check": "*", "reason": "r", "expires": "2030-01-01"},
            ]
        }
    )
    summary = _summary(baseline=baseline, today=dt.date(2026, 1, 1))
    validate_summary(summary)
    assert [e["contract"] for e in summary["baseline"]["expired_entries"]] == ["B"]
    assert [e["contract"] for e in summary["baseline"]["unused_entries"]] == ["Z"]


@pytest.mark.parametrize(
    "break_it",
    [
        lambda s: s["contracts"][1].update(findings=[]),  # failed without a finding
        lambda s: s["contracts"][2].update(reason=""),  # not run without a reason
        lambda s: s["target"].update(api_key="sk_x"),  # a key has no place in the target
        lambda s: s.update(verdict="mostly fine"),
        lambda s: s["spec"].update(sha256="abc"),
        lambda s: s.pop("seed"),
        lambda s: s["contracts"][0].update(witness_total=0),  # passed without a witness
        lambda s: s.update(exit_code=5),
        lambda s: s["gaps"].append({"contract_id": "X"}),  # a gap says why and how
    ],
)
def test_the_schema_rejects_a_malformed_summary(break_it):
    summary = copy.deepcopy(_summary())
    break_it(summary)
    with pytest.raises(jsonschema.ValidationError):
        validate_summary(summary)
