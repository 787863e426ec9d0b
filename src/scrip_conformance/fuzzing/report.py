"""What a fuzzing run found and covered, as plain data: JSON for the runner, text for the terminal.

Each failure names the schemathesis check that raised it and the contract it belongs to; each
operation lists the cases sent and the status codes reached. An operation that never reached a
2xx gets a warning: fuzzing that only ever hits validation proves nothing about the ledger.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrip_conformance.violations import Violation

CONTRACTS: dict[str, tuple[str, ...]] = {
    "FUZZ-NO-SERVER-ERROR": ("not_a_server_error",),
    "FUZZ-SCHEMA-CONFORMANCE": (
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
    ),
    "FUZZ-INPUT-VALIDATION": (
        "negative_data_rejection",
        "positive_data_acceptance",
        "missing_required_header",
        "unsupported_method",
        "undocumented_method_refused",
        "allow_header_conformance",
    ),
    "FUZZ-AUTH": ("ignored_auth", "object_level_authorization", "write_refused_without_key"),
    "FUZZ-RESOURCE-LIFECYCLE": ("use_after_free", "ensure_resource_availability"),
    "FUZZ-STATEFUL-LINKS": ("pagination_traversal_consistent",),
}
"""Contract id -> the built-in or whole-run checks whose failures break it."""

LEDGER_CONTRACT = "FUZZ-LEDGER-INVARIANTS"
"""Contract of every check registered from the domain invariants."""
COVERAGE_CONTRACT = "FUZZ-COVERAGE"
"""Contract of the run itself: it completes, and reaches every operation."""
OTHER_CONTRACT = "FUZZ-SCHEMA-CONFORMANCE"
"""Where a failure of a check this table does not know (a newer schemathesis) is reported."""

_BY_CHECK = {check: contract for contract, checks in CONTRACTS.items() for check in checks}


def contract_for_check(name: str, domain_checks: tuple[str, ...] | list[str] = ()) -> str:
    """The contract a failure of check ``name`` breaks."""
    if name in _BY_CHECK:
        return _BY_CHECK[name]
    if name in domain_checks:
        return LEDGER_CONTRACT
    try:
        from scrip_conformance.fuzzing.checks import DOMAIN_CHECKS
    except ImportError:  # pragma: no cover - the invariants package is part of this project
        DOMAIN_CHECKS = ()
    return LEDGER_CONTRACT if name in DOMAIN_CHECKS else OTHER_CONTRACT


_CONTRACT_TAG = re.compile(r"^\[([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+)\]", re.MULTILINE)


@functools.cache
def _should_level() -> frozenset[str]:
    try:
        from scrip_conformance.catalog import default_catalog

        return frozenset(c.id for c in default_catalog().values() if c.level == "SHOULD")
    except Exception:  # noqa: BLE001 - no catalogue: every finding stays with its check's contract
        return frozenset()


def contract_for_failure(check: str, message: str) -> str:
    """The contract a finding breaks: its check's, except that a domain check whose violations
    all belong to SHOULD-level contracts (RATELIMIT-HEADERS, ...) reports under that contract,
    so a SHOULD rule never fails the gate through FUZZ-LEDGER-INVARIANTS."""
    contract = contract_for_check(check)
    if contract != LEDGER_CONTRACT:
        return contract
    named = set(_CONTRACT_TAG.findall(message or ""))
    if named and named <= _should_level():
        return sorted(named)[0]
    return contract


@dataclass
class OperationCoverage:
    """Per operation: cases sent, status codes reached, cases per phase."""

    operation_id: str
    label: str
    cases: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    phases: dict[str, int] = field(default_factory=dict)

    @property
    def reached_2xx(self) -> bool:
        return any(code.startswith("2") for code in self.statuses)


@dataclass
class FuzzFailure:
    """One distinct finding (repeats of the same check, operation and message are counted)."""

    check: str
    contract_id: str
    operation_id: str
    phase: str
    code: str
    title: str
    message: str
    curl: str
    steps: list[str] = field(default_factory=list)
    occurrences: int = 1
    exchanges: list[str] = field(default_factory=list)
    """Ids of the recorded exchange of its first occurrence (``exchanges.har``)."""
    invariant: str = ""
    """The registered per-response invariant the check applies, for a domain check."""

    def as_violation(self) -> Violation:
        """This finding as a violation of its contract (check name, curl, what was seen)."""
        observed = self.message.strip() or self.title
        if self.steps:
            observed += "\n  steps:\n" + "\n".join(f"    {s}" for s in self.steps)
        return Violation(
            contract_id=self.contract_id,
            summary=f"schemathesis check `{self.check}` failed ({self.code}, {self.phase} phase)",
            expected=f"every response passes `{self.check}`",
            observed=observed,
            subject=self.operation_id,
            request=self.curl or None,
            exchanges=tuple(self.exchanges),
            invariant=self.invariant,
        )


@dataclass
class FuzzReport:
    """Everything a fuzzing run found and covered."""

    base_url: str
    seed: int
    budget: str
    read_only: bool
    phases: list[str]
    spec_sha256: str
    domain_checks: list[str]
    known_ids: dict[str, list[str]]
    operations: dict[str, OperationCoverage]
    failures: list[FuzzFailure]
    errors: list[str]
    stop_reason: str
    elapsed_seconds: float
    request_sequence: list[str] = field(default_factory=list)

    @property
    def cases_sent(self) -> int:
        return sum(op.cases for op in self.operations.values())

    @property
    def request_sequence_sha256(self) -> str:
        return hashlib.sha256("\n".join(self.request_sequence).encode()).hexdigest()

    def failures_of(self, contract_id: str) -> list[FuzzFailure]:
        return [f for f in self.failures if f.contract_id == contract_id]

    def operations_without_2xx(self) -> list[str]:
        return [op for op, cov in self.operations.items() if not cov.reached_2xx]

    def warnings(self) -> list[str]:
        out = []
        for op in self.operations_without_2xx():
            cov = self.operations[op]
            seen = ", ".join(f"{k}x{v}" for k, v in sorted(cov.statuses.items())) or "nothing"
            out.append(f"{op}: never reached a 2xx in {cov.cases} cases (saw {seen})")
        if self.stop_reason == "max_time":
            out.append("the time limit stopped the run before every phase finished")
        return out

    def as_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data.pop("request_sequence")
        data["request_sequence_sha256"] = self.request_sequence_sha256
        data["cases_sent"] = self.cases_sent
        data["warnings"] = self.warnings()
        for op, cov in self.operations.items():
            data["operations"][op]["reached_2xx"] = cov.reached_2xx
        return data

    def to_json(self, path: Path, *, with_sequence: bool = False) -> None:
        data = self.as_dict()
        if with_sequence:
            data["request_sequence"] = self.request_sequence
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")

    @classmethod
    def from_json(cls, path: Path) -> FuzzReport:
        data = json.loads(path.read_text(encoding="utf-8"))
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in names}
        kwargs["operations"] = {
            op: OperationCoverage(**{k: v for k, v in cov.items() if k != "reached_2xx"})
            for op, cov in data["operations"].items()
        }
        kwargs["failures"] = [FuzzFailure(**f) for f in data["failures"]]
        kwargs.setdefault("request_sequence", [])
        return cls(**kwargs)


def summary_lines(report: FuzzReport) -> list[str]:
    """The terminal summary: per operation cases and statuses, then warnings and findings."""
    mode = "read-only" if report.read_only else "read-write"
    lines = [
        f"fuzzing: {report.cases_sent} cases, seed {report.seed}, budget {report.budget}, "
        f"{mode}, {report.elapsed_seconds:.1f}s, stop: {report.stop_reason}",
    ]
    width = max((len(op) for op in report.operations), default=10)
    for op, cov in report.operations.items():
        statuses = " ".join(f"{k}:{v}" for k, v in sorted(cov.statuses.items())) or "-"
        flag = "" if cov.reached_2xx else "  <- no 2xx"
        lines.append(f"  {op.ljust(width)} {cov.cases:6d} cases  {statuses}{flag}")
    for warning in report.warnings():
        lines.append(f"  WARNING {warning}")
    for error in report.errors:
        lines.append(f"  ERROR {error.splitlines()[0] if error else error}")
    by_contract: dict[str, int] = {}
    for failure in report.failures:
        by_contract[failure.contract_id] = by_contract.get(failure.contract_id, 0) + 1
    if by_contract:
        found = ", ".join(f"{c}: {n}" for c, n in sorted(by_contract.items()))
        lines.append(f"  findings: {found}")
    else:
        lines.append("  findings: none")
    return lines
