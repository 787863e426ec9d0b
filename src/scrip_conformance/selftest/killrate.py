"""The self-test's verdicts, pure: what one run found, whether a variant was caught (and by a
contract it declared), the kill rate, the exit code, and the table that shows them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

CAUGHT = "caught"
UNDECLARED = "caught-undeclared"
ESCAPED = "escaped"
ERROR = "error"
CLEAN = "clean"
FALSE_POSITIVE = "false-positive"
REFERENCE = "reference"


@dataclass(frozen=True)
class RunRecord:
    """One suite run against one server (the reference when the name is ``reference``): the
    MUST contracts with findings (what fails a run's gate), the SHOULD contracts that only
    warned, when the first test failed, and why the run could not complete, if it could not."""

    name: str
    family: str = REFERENCE
    declared: tuple[str, ...] = ()
    seed: int = 0
    exit_code: int | None = None
    error: str | None = None
    findings: dict[str, int] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)
    unattributed: int = 0
    first_failure_seconds: float | None = None
    first_failure_contracts: tuple[str, ...] = ()
    not_run_declared: tuple[str, ...] = ()
    seconds: float = 0.0
    plain_codes: tuple[str, ...] | None = None
    plain_error: str | None = None

    @property
    def is_reference(self) -> bool:
        return self.name == REFERENCE

    @property
    def found_anything(self) -> bool:
        return bool(self.findings) or self.unattributed > 0

    @property
    def declared_hits(self) -> tuple[str, ...]:
        return tuple(c for c in self.declared if c in self.findings)


def verdict(record: RunRecord) -> str:
    """caught / caught-undeclared / escaped / error for a variant; clean / false-positive /
    error for the reference."""
    if record.error is not None:
        return ERROR
    if record.is_reference:
        return FALSE_POSITIVE if record.found_anything or record.exit_code != 0 else CLEAN
    if not record.found_anything:
        return ESCAPED
    return CAUGHT if record.declared_hits else UNDECLARED


def plain_verdict(record: RunRecord, reference_codes: Iterable[str] | None) -> str:
    """Plain schemathesis' verdict on a variant: caught when it reports a failure code that the
    correct reference (same seed) did not get; '-' when it was not run."""
    if record.plain_error is not None:
        return ERROR
    if record.plain_codes is None or reference_codes is None:
        return "-"
    return CAUGHT if set(record.plain_codes) - set(reference_codes) else ESCAPED


@dataclass(frozen=True)
class Tally:
    total: int
    caught: int
    by_declared: int
    escaped: list[str]
    undeclared: list[str]
    errors: list[str]
    false_positives: list[str]
    unknown_ids: dict[str, list[str]]

    @property
    def kill_rate(self) -> float:
        return self.caught / self.total if self.total else 0.0

    @property
    def passed(self) -> bool:
        return not (self.escaped or self.undeclared or self.errors or self.false_positives
                    or self.unknown_ids)

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1


def tally(
    variants: list[RunRecord],
    references: list[RunRecord],
    unknown_ids: dict[str, list[str]] | None = None,
) -> Tally:
    """The kill rate and every reason to fail: a variant escaped, was caught only by contracts
    it does not declare, or could not be run; the reference had a finding; a variant declares
    contract ids the catalogue lacks."""
    verdicts = {r.name: verdict(r) for r in variants}
    return Tally(
        total=len(variants),
        caught=sum(v in (CAUGHT, UNDECLARED) for v in verdicts.values()),
        by_declared=sum(v == CAUGHT for v in verdicts.values()),
        escaped=[n for n, v in verdicts.items() if v == ESCAPED],
        undeclared=[n for n, v in verdicts.items() if v == UNDECLARED],
        errors=[n for n, v in verdicts.items() if v == ERROR]
        + [f"reference seed {r.seed}" for r in references if verdict(r) == ERROR],
        false_positives=[_false_positive(r) for r in references
                         if verdict(r) == FALSE_POSITIVE],
        unknown_ids=dict(unknown_ids or {}),
    )


def _false_positive(record: RunRecord) -> str:
    what = ", ".join(sorted(record.findings)) or f"exit code {record.exit_code}"
    return f"seed {record.seed}: {what}"


def caught_by(record: RunRecord) -> str:
    """The contract(s) to show for a variant: those of its first failure, declared ones first."""
    first = [c for c in record.first_failure_contracts if c in record.findings]
    ordered = sorted(first or record.findings, key=lambda c: (c not in record.declared, c))
    if not ordered:
        return "(unattributed)" if record.unattributed else "-"
    shown = ordered[0]
    more = len(record.findings) - 1
    return shown + (f" (+{more})" if more > 0 else "")


def table(variants: list[RunRecord], reference_codes: Iterable[str] | None = None,
          with_plain: bool = False) -> list[list[str]]:
    """Rows of the kill-rate table (header first), one per variant."""
    codes = list(reference_codes) if reference_codes is not None else None
    header = ["variant", "family", "verdict", "caught by", "declared", "first failure"]
    if with_plain:
        header.append("plain st run")
    rows = [header]
    for record in sorted(variants, key=lambda r: (r.family, r.name)):
        result = verdict(record)
        first = ("-" if record.first_failure_seconds is None
                 else f"{record.first_failure_seconds:.1f} s")
        declared = "yes" if record.declared_hits else ("no" if record.found_anything else "-")
        row = [record.name, record.family, result, caught_by(record), declared, first]
        if with_plain:
            row.append(plain_verdict(record, codes))
        rows.append(row)
    return rows


def render(rows: list[list[str]], markdown: bool = False) -> str:
    """The table as aligned text, or as a Markdown table."""
    if markdown:
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                     for r in rows)
