"""One cause, one headline: findings grouped by the request whose answer showed them, so that one
broken response that trips many contracts reads as one probable root cause. Pure, no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from scrip_conformance.runner.outcomes import FAILED, WARNED, ContractResult

MAX_CAUSES = 10


@dataclass
class RootCause:
    """One request (curl line) and every contract whose findings it showed."""

    request: str | None
    summary: str
    contracts: list[str] = field(default_factory=list)
    findings: int = 0
    first_seen: int = 0

    def as_dict(self) -> dict:
        return {
            "request": self.request,
            "summary": self.summary,
            "contracts": list(self.contracts),
            "findings": self.findings,
        }


def failing_in_order(results: Iterable[ContractResult]) -> list[ContractResult]:
    """Failed then warned contracts, each group in the order their first finding appeared."""
    failing = [r for r in results if r.verdict in (FAILED, WARNED)]
    return sorted(failing, key=lambda r: (r.verdict != FAILED, r.first_seen or 10**9, r.id))


def root_causes(results: Iterable[ContractResult], limit: int = MAX_CAUSES) -> list[RootCause]:
    """Findings grouped by request: the groups that explain the most contracts first, then the
    earliest; a finding without a request is its own cause. At most ``limit`` causes."""
    causes: dict[str, RootCause] = {}
    for result in failing_in_order(results):
        for finding in result.findings:
            key = finding.request or f"{result.id}\0{finding.check}"
            cause = causes.get(key)
            if cause is None:
                cause = causes[key] = RootCause(
                    finding.request, finding.summary, first_seen=len(causes)
                )
            cause.findings += 1
            if result.id not in cause.contracts:
                cause.contracts.append(result.id)
    ranked = sorted(causes.values(), key=lambda c: (-len(c.contracts), c.first_seen))
    return ranked[:limit]
