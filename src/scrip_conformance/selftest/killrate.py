"""The self-test's verdicts, pure: what one run found, whether a known-bad variant was caught
(by a contract it declares: specificity), whether a known-good variant or the reference was
judged CONFORMANT, the kill rate, the false-positive rate, the exit code, and the tables.

A finding whose check could not complete (the suite crashed on the answer) is a *crash*: it is
reported on its own and never counts as a catch.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

CAUGHT = "caught"
UNDECLARED = "caught-undeclared"
CRASHED = "crash-only"
ESCAPED = "escaped"
ERROR = "error"
CLEAN = "clean"
CONFORMANT = "conformant"
FALSE_POSITIVE = "false-positive"
REFERENCE = "reference"
BAD = "bad"
GOOD = "good"
CRASH_PREFIX = "the check could not complete"

# What the exit code of ``scrip-conformance run`` means (INCONCLUSIVE: nothing failed, but a
# selected MUST contract was not exercised).
EXIT_MEANINGS = {
    0: "CONFORMANT",
    1: "NOT CONFORMANT",
    2: "usage error",
    3: "target unreachable",
    4: "INCONCLUSIVE",
    130: "interrupted",
    143: "terminated",
}


def exit_meaning(code: int | None) -> str:
    if code is None:
        return "no exit code"
    return f"exit {code} ({EXIT_MEANINGS.get(code, 'unknown')})"


@dataclass(frozen=True)
class RunRecord:
    """One suite run against one server: the reference (name ``reference``), a known-bad
    variant (kind ``bad``) or a known-good one (kind ``good``). ``findings`` are the MUST
    contracts with real findings (what fails a run's gate), ``crashes`` those whose check could
    not complete, ``warnings`` the SHOULD contracts that only warned; ``unexercised`` the
    contracts an INCONCLUSIVE verdict names, with why."""

    name: str
    family: str = REFERENCE
    declared: tuple[str, ...] = ()
    seed: int = 0
    exit_code: int | None = None
    error: str | None = None
    findings: dict[str, int] = field(default_factory=dict)
    crashes: dict[str, int] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)
    unattributed: int = 0
    first_failure_seconds: float | None = None
    first_failure_contracts: tuple[str, ...] = ()
    not_run_declared: tuple[str, ...] = ()
    unexercised: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # the worker process's CPU (suite and server): load-independent
    plain_codes: tuple[str, ...] | None = None
    plain_error: str | None = None
    kind: str = ""
    unsupported: tuple[str, ...] = ()

    @property
    def role(self) -> str:
        """reference, bad or good."""
        if self.kind:
            return self.kind
        return REFERENCE if self.name == REFERENCE else BAD

    @property
    def is_reference(self) -> bool:
        return self.role == REFERENCE

    @property
    def must_be_conformant(self) -> bool:
        """The reference and every known-good variant must be judged CONFORMANT."""
        return self.role in (REFERENCE, GOOD)

    @property
    def found_anything(self) -> bool:
        return bool(self.findings) or bool(self.crashes) or self.unattributed > 0

    @property
    def declared_hits(self) -> tuple[str, ...]:
        return tuple(c for c in self.declared if c in self.findings)


def verdict(record: RunRecord) -> str:
    """caught / caught-undeclared / crash-only / escaped / error for a known-bad variant;
    clean (reference) or conformant (good variant) / false-positive / error otherwise."""
    if record.error is not None:
        return ERROR
    if record.must_be_conformant:
        if record.found_anything or record.exit_code != 0:
            return FALSE_POSITIVE
        return CLEAN if record.is_reference else CONFORMANT
    if record.declared_hits:
        return CAUGHT
    if record.findings or record.unattributed:
        return UNDECLARED
    if record.crashes:
        return CRASHED
    return ESCAPED


def plain_verdict(record: RunRecord, reference_codes: Iterable[str] | None) -> str:
    """Plain schemathesis' verdict on a variant: caught when it reports a failure code that the
    correct reference (same seed) did not get; '-' when it was not run."""
    if record.plain_error is not None:
        return ERROR
    if record.plain_codes is None or reference_codes is None:
        return "-"
    return CAUGHT if set(record.plain_codes) - set(reference_codes) else ESCAPED


def why_not_conformant(record: RunRecord) -> str:
    """One line: the exit code, the failing contracts, crashes and unexercised contracts."""
    if record.error is not None:
        return f"could not run: {record.error}"
    parts = [exit_meaning(record.exit_code)]
    if record.findings:
        parts.append("failed: " + ", ".join(sorted(record.findings)))
    if record.crashes:
        parts.append("could not complete: " + ", ".join(sorted(record.crashes)))
    if record.unattributed:
        parts.append(f"{record.unattributed} finding(s) outside any contract")
    if record.unexercised:
        parts.append(
            "not exercised: "
            + "; ".join(
                f"{c} ({why})" if why else c for c, why in sorted(record.unexercised.items())
            )
        )
    return "; ".join(parts)


@dataclass(frozen=True)
class Tally:
    total: int
    caught: int
    undeclared: list[str]
    crash_only: list[str]
    escaped: list[str]
    errors: list[str]
    false_positives: list[str]
    unknown_ids: dict[str, list[str]]
    good_total: int = 0
    good_failed: list[str] = field(default_factory=list)
    crashes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def by_declared(self) -> int:
        return self.caught

    @property
    def kill_rate(self) -> float:
        return self.caught / self.total if self.total else 0.0

    @property
    def false_positive_rate(self) -> float:
        return len(self.good_failed) / self.good_total if self.good_total else 0.0

    @property
    def passed(self) -> bool:
        return not (
            self.escaped
            or self.undeclared
            or self.crash_only
            or self.errors
            or self.false_positives
            or self.unknown_ids
            or self.good_failed
        )

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1


def tally(
    variants: list[RunRecord],
    references: list[RunRecord],
    unknown_ids: dict[str, list[str]] | None = None,
    good: list[RunRecord] | None = None,
) -> Tally:
    """The kill rate (caught by a declared contract, crashes never count), the false-positive
    rate of the known-good variants, and every reason to fail: a known-bad variant escaped, was
    found only by undeclared contracts or only by crashes, or could not be run; the reference
    or a known-good variant was not judged CONFORMANT; a variant declares unknown ids."""
    good = good or []
    verdicts = {r.name: verdict(r) for r in variants}
    return Tally(
        total=len(variants),
        caught=sum(v == CAUGHT for v in verdicts.values()),
        undeclared=[n for n, v in verdicts.items() if v == UNDECLARED],
        crash_only=[n for n, v in verdicts.items() if v == CRASHED],
        escaped=[n for n, v in verdicts.items() if v == ESCAPED],
        errors=[n for n, v in verdicts.items() if v == ERROR]
        + [f"reference seed {r.seed}" for r in references if verdict(r) == ERROR],
        false_positives=[_false_positive(r) for r in references if verdict(r) == FALSE_POSITIVE],
        unknown_ids=dict(unknown_ids or {}),
        good_total=len(good),
        good_failed=[r.name for r in good if verdict(r) != CONFORMANT],
        crashes={r.name: sorted(r.crashes) for r in [*variants, *good, *references] if r.crashes},
    )


def _false_positive(record: RunRecord) -> str:
    return f"seed {record.seed}: {why_not_conformant(record)}"


@dataclass(frozen=True)
class Coverage:
    """MUST contracts that a known-bad variant declares, that some variant made fail in this
    run, and those listed as uncovered (with a reason) in ``uncovered.yaml``."""

    must: tuple[str, ...]
    declared: tuple[str, ...]
    failed_in_run: tuple[str, ...]

    @property
    def ratio(self) -> float:
        return len(self.declared) / len(self.must) if self.must else 0.0


def coverage(
    must: Iterable[str], declared: Iterable[str], runs: Iterable[RunRecord] = ()
) -> Coverage:
    """Contract coverage: MUST contracts declared by a known-bad variant, and MUST contracts a
    known-bad variant's run made fail with a real finding (crashes do not count)."""
    must = tuple(must)
    declared_set = set(declared)
    failed = {c for r in runs if r.role == BAD and r.error is None for c in r.findings}
    return Coverage(
        must=must,
        declared=tuple(c for c in must if c in declared_set),
        failed_in_run=tuple(c for c in must if c in failed),
    )


def caught_by(record: RunRecord) -> str:
    """The contract(s) to show for a variant: those of its first failure, declared ones first."""
    first = [c for c in record.first_failure_contracts if c in record.findings]
    ordered = sorted(first or record.findings, key=lambda c: (c not in record.declared, c))
    if not ordered:
        if record.crashes:
            return "(crash) " + sorted(record.crashes)[0]
        return "(unattributed)" if record.unattributed else "-"
    shown = ordered[0]
    more = len(record.findings) - 1
    return shown + (f" (+{more})" if more > 0 else "")


def table(
    variants: list[RunRecord],
    reference_codes: Iterable[str] | None = None,
    with_plain: bool = False,
) -> list[list[str]]:
    """Rows of the kill-rate table (header first), one per known-bad variant."""
    codes = list(reference_codes) if reference_codes is not None else None
    header = ["variant", "family", "verdict", "caught by", "declared", "first failure"]
    if with_plain:
        header.append("plain st run")
    rows = [header]
    for record in sorted(variants, key=lambda r: (r.family, r.name)):
        result = verdict(record)
        first = (
            "-" if record.first_failure_seconds is None else f"{record.first_failure_seconds:.1f} s"
        )
        declared = "yes" if record.declared_hits else ("no" if record.found_anything else "-")
        row = [record.name, record.family, result, caught_by(record), declared, first]
        if with_plain:
            row.append(plain_verdict(record, codes))
        rows.append(row)
    return rows


def good_table(good: list[RunRecord]) -> list[list[str]]:
    """Rows of the known-good table (header first): verdict, flags, and why not CONFORMANT."""
    rows = [["good variant", "verdict", "unsupported", "seconds", "why not CONFORMANT"]]
    for record in sorted(good, key=lambda r: r.name):
        result = verdict(record)
        why = "" if result == CONFORMANT else why_not_conformant(record)
        rows.append(
            [record.name, result, ",".join(record.unsupported) or "-", f"{record.seconds:.0f}", why]
        )
    return rows


def render(rows: list[list[str]], markdown: bool = False) -> str:
    """The table as aligned text, or as a Markdown table."""
    if markdown:
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )
