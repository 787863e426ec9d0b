"""One cause, one headline: the findings of the failing MUST contracts grouped by the endpoint
whose answers showed them (method and path, ids and query left out), earliest first, so that
one broken response that trips many contracts reads as one probable root cause, and the
contracts failing later on other endpoints read as what it may explain. Pure, no I/O."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from scrip_conformance.runner.outcomes import FAILED, WARNED, ContractResult, Finding

MAX_CAUSES = 10
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


@dataclass
class RootCause:
    """One endpoint, the first request that showed a finding there, and every failing contract
    whose findings it showed."""

    endpoint: str
    request: str | None
    summary: str
    contracts: list[str] = field(default_factory=list)
    findings: int = 0

    def as_dict(self) -> dict:
        return {
            "endpoint": self.endpoint,
            "request": self.request,
            "summary": self.summary,
            "contracts": list(self.contracts),
            "findings": self.findings,
        }


def failing_in_order(results: Iterable[ContractResult]) -> list[ContractResult]:
    """Failed then warned contracts, each group in the order their first finding appeared."""
    failing = [r for r in results if r.verdict in (FAILED, WARNED)]
    return sorted(failing, key=lambda r: (r.verdict != FAILED, r.first_seen or 10**9, r.id))


def endpoint_of(request: str | None) -> str | None:
    """``GET /v1/participants/{id}/balances/lots`` from a curl line (None without one)."""
    if not request:
        return None
    try:
        words = shlex.split(request)
    except ValueError:
        words = request.split()
    method = "GET"
    if "-X" in words and words.index("-X") + 1 < len(words):
        method = words[words.index("-X") + 1]
    url = next((w for w in words if w.startswith(("http://", "https://"))), None)
    if url is None:
        return None
    return f"{method} {_UUID.sub('{id}', urlsplit(url).path) or '/'}"


def root_causes(results: Iterable[ContractResult], limit: int = MAX_CAUSES) -> list[RootCause]:
    """The failing MUST contracts' findings grouped by endpoint, in the order the contracts
    first failed (the earliest failing endpoint first: it may explain the later ones)."""
    causes: dict[str, RootCause] = {}
    for result in failing_in_order(results):
        if result.verdict != FAILED:
            continue  # a SHOULD warning (rate-limit headers ...) shows everywhere: no cause
        # a finding without a request ("... and 2763 more like these") is no cause of its own
        # when the contract's other findings name theirs
        located = [f for f in result.findings if f.request]
        for finding in located or result.findings:
            _add(causes, result.id, finding)
    return list(causes.values())[:limit]


def _add(causes: dict[str, RootCause], contract_id: str, finding: Finding) -> None:
    endpoint = endpoint_of(finding.request) or f"{contract_id} ({finding.check})"
    cause = causes.get(endpoint)
    if cause is None:
        cause = causes[endpoint] = RootCause(endpoint, finding.request, finding.summary)
    cause.findings += 1
    if contract_id not in cause.contracts:
        cause.contracts.append(contract_id)
