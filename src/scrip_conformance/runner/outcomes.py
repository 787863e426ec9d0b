"""Per-contract verdicts from per-test outcomes: pure data and rules, no pytest, no I/O.

A contract is judged from every test marked with its id: ``failed`` when a finding names it and
it is a MUST, ``warned`` when it is a SHOULD, ``passed`` when at least one of its tests ran
through without a finding *and* its tests recorded at least one witness (something they actually
checked), ``not_exercised`` when its tests ran without a finding but checked nothing (the target
did not hold what the contract needs: see its precondition), ``not_run`` otherwise (with the
reasons its tests gave).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from scrip_conformance.violations import Violation

PASSED = "passed"
FAILED = "failed"
WARNED = "warned"
NOT_EXERCISED = "not_exercised"
NOT_RUN = "not_run"
VERDICTS = (PASSED, FAILED, WARNED, NOT_EXERCISED, NOT_RUN)

# Baseline status of a finding (see ``baseline``).
NEW = "new"
KNOWN = "known"
EXPIRED = "expired"


@dataclass(frozen=True)
class Finding:
    """One observed breach, attributed to a contract, with the check that found it.

    A :class:`~scrip_conformance.violations.Violation` (what an invariant returns) with where it
    was found (``check``, ``test``) and its baseline status. :meth:`from_violation` is the one
    conversion: it carries every field of a Violation over by name, so a field added there and
    not here fails at once (``tests/runner/test_findings.py``).
    """

    contract_id: str
    check: str
    summary: str
    expected: str
    observed: str
    subject: str = ""
    request: str | None = None
    exchanges: tuple[str, ...] = ()
    """Ids of the recorded exchanges that show it (``exchanges.har``)."""
    invariant: str = ""
    """The registered per-response invariant that found it, when one did (``replay``)."""
    test: str = ""
    baseline: str = NEW
    baseline_reason: str | None = None
    baseline_expires: str | None = None
    id: str = ""
    """The finding's id in this run (``F001``, in the order findings appeared): what ``replay
    --finding`` takes."""

    @classmethod
    def from_violation(cls, violation: Violation, check: str, test: str) -> Finding:
        """The finding of ``violation``, seen by ``check`` in ``test`` (a violation built by
        code that did not type its fields still gives text: None becomes "")."""
        values = dataclasses.asdict(violation)
        request = values.pop("request")
        exchanges = tuple(str(x) for x in values.pop("exchanges") or ())
        texts = {name: "" if value is None else str(value) for name, value in values.items()}
        return cls(
            check=check,
            test=test,
            request=None if request is None else str(request),
            exchanges=exchanges,
            **texts,
        )

    def as_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["exchanges"] = list(self.exchanges)
        return data


@dataclass
class ItemOutcome:
    """What one pytest item did for one contract: passed, failed, skipped (with reason), or
    ``inconclusive`` (it failed on another contract before finishing this one's checks)."""

    nodeid: str
    outcome: str
    duration: float = 0.0
    reason: str = ""


@dataclass
class ContractResult:
    """The catalogue entry of a contract, its tests' outcomes and findings, and its verdict."""

    id: str
    statement: str = ""
    level: str = "MUST"
    profile: str = ""
    area: str = ""
    source: str = ""
    tests: list[ItemOutcome] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    selected: bool = True
    not_selected_reason: str = ""
    precondition: str = ""
    beyond_api: str = ""
    """Why no call of the API can create its precondition (see the catalogue's ``beyond_api``)."""
    witnesses: dict[str, int] = field(default_factory=dict)
    """What its tests checked, by kind (``{"final-state lots": 12}``)."""
    not_reached: str = ""
    """Why none of its tests ran although it was selected (the run was interrupted)."""
    first_seen: int = 0
    """Order of its first finding in the run (1 for the first), 0 without a finding."""

    @property
    def witness_total(self) -> int:
        return sum(self.witnesses.values())

    @property
    def verdict(self) -> str:
        if self.findings:
            return FAILED if self.level.upper() == "MUST" else WARNED
        if any(t.outcome == "passed" for t in self.tests):
            return PASSED if self.witness_total > 0 else NOT_EXERCISED
        return NOT_RUN

    @property
    def reason(self) -> str:
        """Why a contract did not run or was not exercised (empty when it passed or failed)."""
        if self.verdict == NOT_EXERCISED:
            needs = f" (it needs {self.precondition})" if self.precondition else ""
            return f"its tests ran but found nothing to check on this target{needs}"
        if self.verdict != NOT_RUN:
            return ""
        if not self.selected:
            return self.not_selected_reason or "not selected"
        reasons: list[str] = []
        for test in self.tests:
            if test.reason and test.reason not in reasons:
                reasons.append(test.reason)
        if reasons:
            return "; ".join(reasons)
        if self.not_reached:
            return self.not_reached
        return "no test of the suite checks it"

    @property
    def gate_fails(self) -> bool:
        """A MUST contract with a finding the baseline does not (or no longer) excuse."""
        return self.verdict == FAILED and any(f.baseline != KNOWN for f in self.findings)


def totals(results: list[ContractResult]) -> dict[str, int]:
    counts = {v: 0 for v in VERDICTS}
    for result in results:
        counts[result.verdict] += 1
    counts["total"] = len(results)
    return counts


def by_profile(results: list[ContractResult]) -> dict[str, list[ContractResult]]:
    """Results grouped by profile (profiles and contracts in a stable, sorted order)."""
    groups: dict[str, list[ContractResult]] = {}
    for result in sorted(results, key=lambda r: (r.profile, r.id)):
        groups.setdefault(result.profile or "(none)", []).append(result)
    return groups


def by_area(results: list[ContractResult]) -> dict[str, dict[str, int]]:
    """Counts of each verdict per area, for the report's chart."""
    areas: dict[str, dict[str, int]] = {}
    for result in sorted(results, key=lambda r: (r.area, r.id)):
        counts = areas.setdefault(result.area or "(none)", {v: 0 for v in VERDICTS})
        counts[result.verdict] += 1
    return areas
