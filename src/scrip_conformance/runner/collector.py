"""The pytest plugin the runner adds to its in-process session: it records, per contract, what
every marked test did, what it checked (its witnesses, read from the report's user properties)
and the findings of every failure, and prints one progress line per test."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Generator, Iterable

import pytest

from scrip_conformance import witnesses
from scrip_conformance.recording import recorder as recording
from scrip_conformance.runner.findings import findings_from_exception
from scrip_conformance.runner.outcomes import ContractResult, Finding, ItemOutcome

_NOT_RUN_PREFIX = "not run: "
# Outcomes that are not findings: skips (not run), xfail, and pytest.exit.
_NOT_FINDINGS = (pytest.skip.Exception, pytest.xfail.Exception, pytest.exit.Exception)


def contract_ids_of(item: pytest.Item) -> list[str]:
    """The contract ids of ``@pytest.mark.contract("ID", ...)`` markers on an item."""
    ids: list[str] = []
    for marker in item.iter_markers("contract"):
        for arg in marker.args:
            if isinstance(arg, str) and arg not in ids:
                ids.append(arg)
    return ids


def skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    text = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    text = text.removeprefix("Skipped: ").strip()
    return text.removeprefix(_NOT_RUN_PREFIX).strip()


def fuzz_coverage(config: pytest.Config) -> dict | None:
    """Per-operation coverage of the session's fuzzing run, as table rows, when there was one."""
    try:
        from scrip_conformance.fuzzing.plugin import REPORT_KEY
    except ImportError:
        return None
    report = config.stash.get(REPORT_KEY, None)
    if report is None:
        return None
    rows = []
    for op, cov in sorted(report.operations.items()):
        rows.append(
            {
                "operation": op,
                "label": cov.label,
                "cases": cov.cases,
                "statuses": " ".join(f"{k}:{v}" for k, v in sorted(cov.statuses.items())) or "-",
                "reached_2xx": cov.reached_2xx,
            }
        )
    return {"cases_sent": report.cases_sent, "operations": rows}


def finding_id(number: int) -> str:
    """The id of the run's ``number``-th finding: ``F001``, ``F002``, ... (more digits past
    999)."""
    return f"F{number:03d}"


def with_exchange(finding: Finding) -> Finding:
    """``finding`` naming the recorded exchange of its request, when it names none yet (the
    checks that tie a violation to its request by curl line only)."""
    if finding.exchanges or not finding.request:
        return finding
    exchange = recording.exchange_for(finding.request, finding.observed)
    return dataclasses.replace(finding, exchanges=(exchange,)) if exchange else finding


@dataclasses.dataclass
class _ItemState:
    contracts: list[str]
    failed: bool = False
    skipped_reason: str | None = None
    passed_call: bool = False
    duration: float = 0.0
    findings: list[Finding] = dataclasses.field(default_factory=list)
    witnesses: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)


class VerdictCollector:
    """Collects per-contract results; ``results`` holds one entry per catalogue contract."""

    def __init__(
        self,
        catalog: Iterable[dict],
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.results: dict[str, ContractResult] = {}
        for entry in catalog:
            self.results[entry["id"]] = ContractResult(
                id=entry["id"],
                statement=str(entry.get("statement", "")),
                level=str(entry.get("level", "MUST")).upper(),
                profile=str(entry.get("profile", "")),
                area=str(entry.get("area", "")),
                source=str(entry.get("source", "")),
                precondition=str(entry.get("precondition", "")),
                beyond_api=str(entry.get("beyond_api", "")),
            )
        self.unattributed: list[Finding] = []
        self.collection_errors: list[str] = []
        self.tests_total = 0
        self.tests_done = 0
        self._progress = progress
        self._items: dict[str, _ItemState] = {}
        self.coverage: dict | None = None
        self._findings_seen = 0
        self._numbered_findings = 0

    # -- collection --------------------------------------------------------------------------
    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            text = str(report.longrepr).strip().splitlines()
            self.collection_errors.append(f"{report.nodeid}: {text[-1] if text else 'error'}")

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        for item in items:
            for cid in contract_ids_of(item):
                result = self.results.get(cid)
                if result is not None and not result.tests:
                    result.not_selected_reason = result.not_selected_reason or "not selected"

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.tests_total = len(session.items)
        for item in session.items:
            self._items[item.nodeid] = _ItemState(contracts=contract_ids_of(item))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.coverage = fuzz_coverage(session.config)

    # -- running -----------------------------------------------------------------------------
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        state = self._items.get(item.nodeid)
        excinfo = call.excinfo
        # Not ``report.failed``: the contracts plugin reports a SHOULD-only failure as passed
        # (a warning), and its wrapper may run before this one.
        if state is not None and excinfo is not None and not excinfo.errisinstance(_NOT_FINDINGS):
            check = getattr(item, "originalname", None) or item.name
            found = findings_from_exception(excinfo.value, check, item.nodeid)
            state.findings += [with_exchange(f) for f in found]
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        state = self._items.get(report.nodeid)
        if state is None:
            return
        state.duration += report.duration
        if report.failed:
            state.failed = True
        elif report.skipped and state.skipped_reason is None:
            state.skipped_reason = skip_reason(report)
        elif report.when == "call" and report.passed:
            state.passed_call = True
        if report.when == "teardown":
            state.witnesses = witnesses.decode_properties(report.user_properties)
            self._finish(report.nodeid, state)

    def _numbered(self, finding: Finding) -> Finding:
        """``finding`` with the next finding id of the run (``F001``, ...)."""
        self._numbered_findings += 1
        return dataclasses.replace(finding, id=finding_id(self._numbered_findings))

    def _finish(self, nodeid: str, state: _ItemState) -> None:
        self.tests_done += 1
        attributed: dict[str, list[Finding]] = {}
        for finding in state.findings:
            if finding.contract_id not in self.results and state.contracts:
                for cid in state.contracts:
                    attributed.setdefault(cid, []).append(
                        self._numbered(dataclasses.replace(finding, contract_id=cid))
                    )
                continue
            finding = self._numbered(finding)
            if finding.contract_id in self.results:
                attributed.setdefault(finding.contract_id, []).append(finding)
            else:
                self.unattributed.append(finding)
        if state.failed and not state.findings and not state.contracts:
            self.unattributed.append(
                self._numbered(
                    Finding("", nodeid, "the test failed", "the test passes", "failed", test=nodeid)
                )
            )
        for cid in dict.fromkeys([*state.contracts, *attributed]):
            result = self.results.get(cid)
            if result is None:
                result = self.results[cid] = ContractResult(
                    id=cid, statement="(not in the catalogue)"
                )
            own = attributed.get(cid, [])
            if own and not result.findings:
                self._findings_seen += 1
                result.first_seen = self._findings_seen
            result.findings += own
            for what, count in state.witnesses.get(cid, {}).items():
                result.witnesses[what] = result.witnesses.get(what, 0) + count
            if own:
                outcome = ItemOutcome(nodeid, "failed", state.duration)
            elif state.failed:
                outcome = ItemOutcome(
                    nodeid,
                    "inconclusive",
                    state.duration,
                    "its test stopped on a failure of another contract",
                )
            elif state.skipped_reason is not None:
                outcome = ItemOutcome(nodeid, "skipped", state.duration, state.skipped_reason)
            else:
                outcome = ItemOutcome(nodeid, "passed", state.duration)
            result.tests.append(outcome)
        if self._progress is not None:
            if state.failed:
                word = "failed"
            elif state.findings:
                word = "warned"
            elif state.skipped_reason is not None:
                word = "not run"
            elif state.contracts and not any(
                witnesses.total(state.witnesses, cid) for cid in state.contracts
            ):
                word = "no evidence"
            else:
                word = "passed"
            width = len(str(self.tests_total))
            ids = ", ".join(state.contracts) or "-"
            self._progress(
                f"[{self.tests_done:>{width}}/{self.tests_total}] {word:<11} {ids}  {nodeid}"
            )
