"""What ``replay`` concludes from the new answers to a finding's re-sent exchanges: the finding's
own check (a registered per-response invariant, a pure function) applied to each new answer.
Pure: no I/O; the command (``runner.replay_command``) sends and prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scrip_conformance.invariants import ResponseContext
from scrip_conformance.invariants.registry import invariant_named
from scrip_conformance.violations import Violation

EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_INCONCLUSIVE = 4
"""The re-sent request no longer reaches what the finding was about (a 2xx became a 404, ...):
the check had nothing to judge."""
EXIT_NOT_REPLAYABLE = 5
"""The finding's check cannot be re-applied from its exchanges alone."""

ANY_CONTRACT = ("FUZZ-",)
"""Findings of the fuzzing contracts fail on any violation of their check (schemathesis fails
the check whatever contract the invariant names)."""


@dataclass
class Replayed:
    """One exchange of the finding, sent again."""

    exchange_id: str
    request_line: str
    was_status: int
    context: ResponseContext


@dataclass
class Outcome:
    code: int
    word: str
    lines: list[str] = field(default_factory=list)


def _clip(text: Any, size: int = 300) -> str:
    text = str(text or "")
    return text if len(text) <= size else text[:size] + " [...]"


def not_replayable(finding: dict[str, Any]) -> str | None:
    """Why ``finding`` cannot be replayed from its exchanges alone, or None when it can."""
    name = str(finding.get("invariant") or "")
    if not finding.get("exchanges"):
        return (
            "it names no recorded exchange (the run used --no-record, or its check names no "
            "request)"
        )
    if not name:
        return (
            f"its check ({finding.get('check') or 'unknown'}) is not a per-response invariant: "
            "it judges more than the answers of its exchanges (earlier requests, a model of "
            "the ledger, timing), so re-sending them cannot settle it"
        )
    if invariant_named(name) is None:
        return f"its check {name!r} is not a registered invariant of this version"
    return None


def _relevant(finding: dict[str, Any], found: list[Violation]) -> list[Violation]:
    contract = str(finding.get("contract_id") or "")
    if contract.startswith(ANY_CONTRACT):
        return found
    return [v for v in found if v.contract_id == contract]


def judge(finding: dict[str, Any], replayed: list[Replayed]) -> Outcome:
    """PASS when the finding's check holds on every new answer, FAIL when it still finds the
    finding's contract broken; INCONCLUSIVE when an answer the check judged is gone."""
    name = str(finding["invariant"])
    invariant = invariant_named(name)
    assert invariant is not None, "not_replayable() first"
    contract = finding.get("contract_id") or "(no contract)"
    lines: list[str] = []
    broken: list[Violation] = []
    gone: list[str] = []
    for one in replayed:
        now = one.context.status_code
        lines.append(f"  {one.exchange_id} {one.request_line}: status {now} (was {one.was_status})")
        found = _relevant(finding, invariant(one.context))
        broken += found
        if not found and 200 <= one.was_status < 300 and not 200 <= now < 300:
            gone.append(f"{one.exchange_id} answered {now} where it answered {one.was_status}")
    expected = finding.get("expected", "")
    if broken:
        lines.insert(0, f"FAIL {finding.get('id', '')} {contract}: {name} still finds it broken")
        for v in broken[:10]:
            where = f" ({v.subject})" if v.subject else ""
            lines += [
                f"  [{v.contract_id}] {v.summary}{where}",
                f"    expected: {v.expected}",
                f"    observed: {v.observed}",
            ]
        if len(broken) > 10:
            lines.append(f"  ... and {len(broken) - 10} more")
        return Outcome(EXIT_FAIL, "FAIL", lines)
    if gone:
        lines.insert(
            0,
            f"INCONCLUSIVE {finding.get('id', '')} {contract}: the answers {name} judged are "
            "gone, so it had nothing to judge",
        )
        lines += [f"  {g}" for g in gone]
        lines.append("  (the target lacks the data the run had: replay against the same data)")
        return Outcome(EXIT_INCONCLUSIVE, "INCONCLUSIVE", lines)
    lines.insert(0, f"PASS {finding.get('id', '')} {contract}: {name} holds on the new answer(s)")
    lines += [
        f"  expected: {expected}",
        f"  observed: no violation of {contract} (was: {_clip(finding.get('observed', ''))})",
    ]
    return Outcome(EXIT_PASS, "PASS", lines)
