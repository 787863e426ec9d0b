"""The expected-divergence baseline: findings a vendor knows about, each with a reason and an
expiry date, so the gate fails only on new or regressed findings.

File format (YAML or JSON)::

    version: 1
    entries:
      - contract: EXP-SUM-TOTAL        # a contract id of the catalogue
        check: test_buckets_sum_to_total  # the finding's "check" as reports show it, or "*"
        reason: rounding bug, ticket VEND-123
        expires: 2027-03-31            # ISO date; the entry excuses findings through that day (UTC)

      - kind: gap                      # a MUST contract this target cannot exercise
        contract: ISO-READS-404
        reason: single-organization staging target, ticket VEND-7
        expires: 2027-03-31

A finding is ``known`` when an unexpired entry matches its contract and check, ``expired`` when
only expired entries match (it fails the gate again), ``new`` otherwise. An entry of kind ``gap``
(``check`` not needed) accepts that the contract goes without evidence on this target until it
expires (see ``runner.verdict``): the run is not INCONCLUSIVE for it, and every report lists it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml

from scrip_conformance.runner.outcomes import EXPIRED, KNOWN, NEW, Finding
from scrip_conformance.runner.verdict import GapAcceptance

WILDCARD = "*"
FINDING_KIND = "finding"
GAP_KIND = "gap"


class BaselineError(ValueError):
    """The baseline file is missing or malformed (a configuration error, exit code 2)."""


@dataclass(frozen=True)
class BaselineEntry:
    contract: str
    check: str
    reason: str
    expires: dt.date
    kind: str = FINDING_KIND

    def matches(self, finding: Finding) -> bool:
        return (
            self.kind == FINDING_KIND
            and self.contract == finding.contract_id
            and self.check in (WILDCARD, finding.check)
        )

    def expired(self, today: dt.date) -> bool:
        return today > self.expires

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "contract": self.contract,
            "check": self.check,
            "reason": self.reason,
            "expires": self.expires.isoformat(),
        }


@dataclass(frozen=True)
class Baseline:
    path: str
    entries: tuple[BaselineEntry, ...]

    def classify(self, finding: Finding, today: dt.date) -> Finding:
        """``finding`` with its baseline status, reason and expiry set."""
        matching = [e for e in self.entries if e.matches(finding)]
        if not matching:
            return dataclasses.replace(finding, baseline=NEW)
        active = [e for e in matching if not e.expired(today)]
        entry = active[0] if active else max(matching, key=lambda e: e.expires)
        return dataclasses.replace(
            finding,
            baseline=KNOWN if active else EXPIRED,
            baseline_reason=entry.reason,
            baseline_expires=entry.expires.isoformat(),
        )

    def unused(self, findings: list[Finding]) -> list[BaselineEntry]:
        """Finding entries no finding matched: the divergence they excuse is gone, remove them."""
        return [
            e for e in self.entries
            if e.kind == FINDING_KIND and not any(e.matches(f) for f in findings)
        ]  # fmt: skip

    def gap_acceptances(self) -> list[GapAcceptance]:
        """The entries of kind ``gap``, as acceptances of a contract's missing evidence."""
        return [
            GapAcceptance(e.contract, e.reason, f"baseline {self.path}", e.expires)
            for e in self.entries
            if e.kind == GAP_KIND
        ]

    def expired_entries(self, today: dt.date) -> list[BaselineEntry]:
        return [e for e in self.entries if e.expired(today)]


def _parse_date(value: object, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise BaselineError(f"{where}: 'expires' must be an ISO date (YYYY-MM-DD), got {value!r}")


def parse_baseline(data: object, path: str = "<baseline>") -> Baseline:
    """Validate parsed YAML/JSON and build the baseline; raises :class:`BaselineError`."""
    if not isinstance(data, dict):
        raise BaselineError(f"{path}: expected a mapping with 'version' and 'entries'")
    if data.get("version", 1) != 1:
        raise BaselineError(f"{path}: unsupported baseline version {data.get('version')!r}")
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list):
        raise BaselineError(f"{path}: 'entries' must be a list")
    entries = []
    for index, raw in enumerate(raw_entries):
        where = f"{path}: entries[{index}]"
        if not isinstance(raw, dict):
            raise BaselineError(f"{where}: expected a mapping")
        unknown = set(raw) - {"kind", "contract", "check", "reason", "expires"}
        if unknown:
            raise BaselineError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        kind = raw.get("kind", FINDING_KIND)
        if kind not in (FINDING_KIND, GAP_KIND):
            raise BaselineError(f"{where}: 'kind' must be {FINDING_KIND} or {GAP_KIND}")
        if kind == GAP_KIND:
            raw = {"check": WILDCARD, **raw}
        for key in ("contract", "check", "reason"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                raise BaselineError(f"{where}: '{key}' must be a non-empty string")
        if "expires" not in raw:
            raise BaselineError(f"{where}: 'expires' is required (an ISO date)")
        entries.append(
            BaselineEntry(
                contract=raw["contract"].strip(),
                check=raw["check"].strip(),
                reason=raw["reason"].strip(),
                expires=_parse_date(raw["expires"], where),
                kind=kind,
            )
        )
    return Baseline(path=path, entries=tuple(entries))


def load_baseline(path: Path) -> Baseline:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BaselineError(f"{path}: not valid YAML/JSON ({exc.__class__.__name__})") from None
    return parse_baseline(data, str(path))
