"""The run's verdict, which cannot be vacuous: pure rules over the contracts' results, no I/O.

- ``conformant`` (exit 0): every selected MUST contract passed *with evidence* (witnesses), or its
  gap is accepted or declared;
- ``not_conformant`` (exit 1): a MUST contract has a finding the baseline does not excuse, or a
  test outside any contract failed;
- ``inconclusive`` (exit 4): no such finding, but a selected MUST contract was not exercised
  (its tests checked nothing) or not run, and nobody accepted that gap;
- ``interrupted`` (exit 130 on SIGINT, 143 on SIGTERM): the run was stopped; whatever it found
  is reported, but it proves nothing about the contracts it did not reach;
- ``no_verdict`` (exit 3): the target stopped answering during the run, or the run passed its
  deadline (``runner.outage``): an outage is not non-conformance, and proves nothing either.

A *gap* is a selected MUST contract without evidence. It is ``open`` (makes the run
inconclusive), ``accepted`` (``--accept-gap ID[=reason]`` or a baseline entry of kind ``gap``
that has not expired), or ``declared`` (the user said the target lacks the feature with
``--unsupported``, or gave no second organization's key for the isolation contracts; or the
catalogue says no call of the API can create the contract's evidence, ``beyond_api``): accepted
and declared gaps are listed in every report but do not change the verdict. SHOULD contracts
never change the verdict.
"""

from __future__ import annotations

import datetime as dt
import signal
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field

from scrip_conformance.runner.outcomes import NOT_EXERCISED, NOT_RUN, ContractResult

CONFORMANT = "conformant"
NOT_CONFORMANT = "not_conformant"
INCONCLUSIVE = "inconclusive"
INTERRUPTED = "interrupted"
NO_VERDICT = "no_verdict"
RUN_VERDICTS = (CONFORMANT, NOT_CONFORMANT, INCONCLUSIVE, INTERRUPTED, NO_VERDICT)

EXIT_CONFORMANT = 0
EXIT_NOT_CONFORMANT = 1
EXIT_NO_VERDICT = 3  # the target stopped answering, or the run passed its deadline
EXIT_INCONCLUSIVE = 4
EXIT_SIGINT = 128 + signal.SIGINT  # 130
EXIT_SIGTERM = 128 + signal.SIGTERM  # 143

OPEN = "open"
ACCEPTED = "accepted"
DECLARED = "declared"

# Reasons (the tests' own words) that say the user declared the gap.
_DECLARED_REASONS = (
    ("the target declares no support for ", "--unsupported"),
    ("no second organization's key", "no --second-org-key"),
)


@dataclass(frozen=True)
class GapAcceptance:
    """A user's explicit acceptance of one contract's gap: a flag or a baseline entry."""

    contract_id: str
    reason: str
    source: str  # "--accept-gap" or "baseline <path>"
    expires: dt.date | None = None

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and today > self.expires


@dataclass(frozen=True)
class Gap:
    """A selected MUST contract without evidence: why, how to exercise it, and who accepted it."""

    contract_id: str
    state: str  # not_exercised | not_run
    why: str
    how: str
    status: str = OPEN  # open | accepted | declared
    accepted_by: str = ""
    reason: str = ""
    expires: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class RunVerdict:
    """The verdict of the run, its exit code, the gaps, and whether the selection was partial."""

    verdict: str
    exit_code: int
    gaps: list[Gap] = field(default_factory=list)
    selected: int = 0
    total: int = 0
    partial_by: str = ""  # the flags that narrowed the selection; empty for a full run
    expired_acceptances: list[GapAcceptance] = field(default_factory=list)
    unused_acceptances: list[GapAcceptance] = field(default_factory=list)

    @property
    def partial(self) -> str:
        """``"partial: 1 of 91 contracts selected (--only)"``, or empty for a full run."""
        if not self.partial_by:
            return ""
        return f"partial: {self.selected} of {self.total} contracts selected ({self.partial_by})"

    def open_gaps(self) -> list[Gap]:
        return [g for g in self.gaps if g.status == OPEN]

    @property
    def headline(self) -> str:
        """``CONFORMANT (partial: ...)``: the verdict as people read it."""
        words = self.verdict.replace("_", " ").upper()
        notes = [self.partial] if self.partial else []
        accepted = sum(1 for g in self.gaps if g.status != OPEN)
        if self.open_gaps():
            notes.append(f"{len(self.open_gaps())} MUST contract(s) without evidence")
        if accepted:
            notes.append(f"{accepted} accepted or declared gap(s)")
        return words + (f" ({'; '.join(notes)})" if notes else "")


def how_to_exercise(result: ContractResult) -> str:
    """What would make a contract checkable: its data, a flag, or a writing profile."""
    reason = result.reason
    need = f"a target holding {result.precondition}" if result.precondition else ""
    if "second organization" in reason:
        return (
            "pass --second-org-key (or set SCRIP_SECOND_ORG_KEY) with a key of another organization"
        )
    if "declares no support" in reason:
        return "drop --unsupported for that feature if the target supports it"
    if "walk limits" in reason or "walked to the end" in reason:
        hint = (
            "raise the walk limits (--max-assets, --max-participants, --max-lots-per-participant)"
        )
        return f"{hint}; {need}" if need else hint
    if result.profile and result.profile != "read-only":
        tail = f"; {need}" if need else ""
        return f"run the {result.profile} profile against a target that accepts its writes{tail}"
    if need:
        return need + " (or accept the gap with --accept-gap " + result.id + "=REASON)"
    return "see the contract's tests for what they need"


def _declared_by(reason: str, labels: Mapping[str, str]) -> str:
    """The flag that declared a not-run contract's gap (or what ``labels`` calls it instead:
    the config file's key), or empty."""
    for text, flag in _DECLARED_REASONS:
        if text in reason:
            return labels.get(flag, flag)
    return ""


def find_gaps(
    results: Iterable[ContractResult],
    acceptances: Iterable[GapAcceptance],
    today: dt.date,
    declared_labels: Mapping[str, str] | None = None,
) -> tuple[list[Gap], list[GapAcceptance], list[GapAcceptance]]:
    """The gaps (selected MUST contracts without evidence), each accepted, declared or open; and
    the acceptances that expired or matched no gap. ``declared_labels`` renames the flag that
    declared a gap (``--unsupported``) when the config file did."""
    by_id: dict[str, list[GapAcceptance]] = {}
    for acceptance in acceptances:
        by_id.setdefault(acceptance.contract_id, []).append(acceptance)
    gaps: list[Gap] = []
    used: set[str] = set()
    expired: list[GapAcceptance] = []
    for result in sorted(results, key=lambda r: r.id):
        if not result.selected or result.level.upper() != "MUST":
            continue
        if result.verdict not in (NOT_EXERCISED, NOT_RUN):
            continue
        gap = Gap(result.id, result.verdict, result.reason, how_to_exercise(result))
        labels = declared_labels or {}
        declared = _declared_by(result.reason, labels) if result.verdict == NOT_RUN else ""
        if not declared and result.verdict == NOT_EXERCISED and result.beyond_api:
            declared = "the catalogue (beyond the API)"
        active = [a for a in by_id.get(result.id, []) if not a.expired(today)]
        if result.id in by_id:
            used.add(result.id)
            expired += [a for a in by_id[result.id] if a.expired(today)]
        if active:
            a = active[0]
            gap = _with(gap, ACCEPTED, a.source, a.reason, a.expires)
        elif declared:
            why = result.beyond_api if result.verdict == NOT_EXERCISED else result.reason
            gap = _with(gap, DECLARED, declared, why, None)
        gaps.append(gap)
    unused = [a for cid, items in by_id.items() if cid not in used for a in items]
    return gaps, expired, unused


def _with(gap: Gap, status: str, by: str, reason: str, expires: dt.date | None) -> Gap:
    return Gap(
        gap.contract_id, gap.state, gap.why, gap.how, status, by, reason,
        expires.isoformat() if expires else None,
    )  # fmt: skip


def decide(
    results: list[ContractResult],
    *,
    unattributed: int = 0,
    acceptances: Iterable[GapAcceptance] = (),
    today: dt.date | None = None,
    interrupted_by: int | None = None,
    stopped: bool = False,
    partial_by: str = "",
    catalog_size: int | None = None,
    declared_labels: Mapping[str, str] | None = None,
) -> RunVerdict:
    """The run's verdict from the contracts' results (see the module's docstring)."""
    today = today or dt.datetime.now(dt.UTC).date()
    gaps, expired, unused = find_gaps(results, acceptances, today, declared_labels)
    selected = sum(1 for r in results if r.selected)
    total = catalog_size if catalog_size is not None else len(results)
    if stopped:
        verdict, code = NO_VERDICT, EXIT_NO_VERDICT
    elif interrupted_by is not None:
        verdict = INTERRUPTED
        code = EXIT_SIGTERM if interrupted_by == signal.SIGTERM else EXIT_SIGINT
    elif unattributed or any(r.gate_fails for r in results):
        verdict, code = NOT_CONFORMANT, EXIT_NOT_CONFORMANT
    elif any(g.status == OPEN for g in gaps):
        verdict, code = INCONCLUSIVE, EXIT_INCONCLUSIVE
    else:
        verdict, code = CONFORMANT, EXIT_CONFORMANT
    return RunVerdict(verdict, code, gaps, selected, total, partial_by, expired, unused)
