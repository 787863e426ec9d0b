"""The end of a run: which contracts were not selected and why, the verdict, the reports (also
for a run interrupted before its suite started)."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import shutil
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrip_conformance import catalog
from scrip_conformance.recording import har
from scrip_conformance.recording import recorder as recording
from scrip_conformance.runner import allure_results, config, exchanges, html_report, junit
from scrip_conformance.runner.collector import VerdictCollector
from scrip_conformance.runner.console import render_final
from scrip_conformance.runner.outage import RunWatch
from scrip_conformance.runner.outcomes import ContractResult, by_area
from scrip_conformance.runner.phases import PhaseClock
from scrip_conformance.runner.redaction import RedactingStream, scrub_tree
from scrip_conformance.runner.schedule import Schedule
from scrip_conformance.runner.session import ALLURE_DIR, JUNIT_NAME, PYTEST_LOG_NAME
from scrip_conformance.runner.signals import StopSignals
from scrip_conformance.runner.summary import SUMMARY_NAME, RunInfo, build_summary, write_summary
from scrip_conformance.runner.verdict import RunVerdict, decide

if TYPE_CHECKING:
    from scrip_conformance.runner.command import Plan


def mark_unselected(
    results: dict[str, ContractResult], profiles: list[str], only: list[str], read_only: bool
) -> None:
    """Mark the contracts --only or the profiles left out, with the flag that did."""
    for result in results.values():
        if only and result.id not in only:
            result.selected, result.not_selected_reason = False, "not selected (--only)"
        elif result.profile and result.profile not in profiles:
            why = "--read-only" if read_only else "--profile"
            result.selected = False
            result.not_selected_reason = f"not selected: profile {result.profile} ({why})"


def partial_by(args: argparse.Namespace, plan: Plan, results: dict[str, ContractResult]) -> str:
    """The flags (or config keys) that left contracts out of the run, or empty when every
    contract was selected."""
    if all(r.selected for r in results.values()):
        return ""
    flags = []
    if args.only:
        flags.append("--only")
    if args.rerun_failed:
        flags.append("--rerun-failed")
    if args.read_only:
        flags.append(config.named_in_file(args, "read_only") or "--read-only")
    elif set(plan.profiles) != set(catalog.PROFILES):
        flags.append(config.named_in_file(args, "profiles") or "--profile")
    return ", ".join(flags) or "selection"


def declared_labels(args: argparse.Namespace) -> dict[str, str]:
    """The config keys that declared gaps in place of their flags, for the gaps' "by"."""
    named = config.named_in_file(args, "unsupported")
    return {"--unsupported": named} if named else {}


def interrupted_before_the_suite(
    args: argparse.Namespace, plan: Plan, out: RedactingStream, err: RedactingStream
) -> int:
    """A signal before the suite started: the reports say INTERRUPTED, with nothing run (those
    of an earlier run in the report dir are removed, not left to be read as this one's)."""
    signals: StopSignals = getattr(args, "signals", None) or StopSignals()
    signals.hold()
    name = signals.name or "SIGINT"
    print(f"interrupted by {name} before the suite ran: writing the reports", file=err)
    collector = VerdictCollector([c.as_dict() for c in plan.contracts.values()])
    results = collector.results
    mark_unselected(results, plan.profiles, plan.only, args.read_only)
    for result in results.values():
        if result.selected:
            result.not_reached = f"not reached: the run was stopped by {name} before the suite"
    ordered = sorted(results.values(), key=lambda r: r.id)
    run = decide(
        ordered,
        acceptances=plan.accepted_gaps,
        interrupted_by=signals.received or signal.SIGINT,
        partial_by=partial_by(args, plan, results),
        declared_labels=declared_labels(args),
        catalog_size=len(plan.contracts),
    )
    info = RunInfo(
        base_url=args.base_url or "the embedded reference (not started)",
        embedded=not args.base_url,
        seed=plan.seed,
        budget=args.budget,
        read_only=args.read_only,
        profiles=plan.profiles,
        only=plan.only,
        rerun_failed=args.rerun_failed,
        interrupted=name,
    )
    for stale in (JUNIT_NAME, PYTEST_LOG_NAME):
        with contextlib.suppress(OSError):
            (plan.report_dir / stale).unlink()
    with contextlib.suppress(OSError):
        shutil.rmtree(plan.report_dir / ALLURE_DIR)
    summary = build_summary(info, ordered, [], run, plan.baseline)
    record_configuration(args, summary)
    finish_recording(summary, [s for s in (args.api_key, args.second_org_key) if s])
    html = html_report.render_report(summary, by_area(ordered), None)
    (plan.report_dir / html_report.REPORT_NAME).write_text(html, encoding="utf-8")
    write_summary(summary, plan.report_dir)
    names = (SUMMARY_NAME, html_report.REPORT_NAME)
    out.write(render_final(summary, [str(plan.report_dir / n) for n in names]))
    return run.exit_code


def judge(
    args: argparse.Namespace,
    plan: Plan,
    collector: VerdictCollector,
    watch: RunWatch,
    signals: StopSignals,
    today: dt.date,
) -> tuple[list[ContractResult], RunVerdict, int | None]:
    """The contracts' results (sorted by id), the run's verdict, and the exit code of an
    outage (None without one)."""
    results = collector.results
    stopped_code = watch.settle(results, collector.unattributed)
    mark_unselected(results, plan.profiles, plan.only, args.read_only)
    interrupted = None if watch.stopped else signals.name
    if interrupted:
        for result in results.values():
            if result.selected and not result.tests:
                result.not_reached = f"not reached: the run was stopped by {interrupted}"
    if plan.baseline is not None:
        for result in results.values():
            result.findings = [plan.baseline.classify(f, today) for f in result.findings]
    ordered = sorted(results.values(), key=lambda r: r.id)
    run = decide(
        ordered,
        unattributed=len(collector.unattributed),
        acceptances=plan.accepted_gaps,
        today=today,
        interrupted_by=None if watch.stopped else signals.received,
        stopped=bool(stopped_code),
        partial_by=partial_by(args, plan, results),
        declared_labels=declared_labels(args),
        catalog_size=len(plan.contracts),
    )
    return ordered, run, stopped_code


def write_reports(
    args: argparse.Namespace,
    report_dir: Path,
    summary: dict[str, Any],
    ordered: list[ContractResult],
    schedule: Schedule,
    clock: PhaseClock,
    secrets: list[str],
    out: RedactingStream,
) -> None:
    """exchanges.har, report.html, summary.json (with the phases' figures), the junit and
    allure touches, all scrubbed of the keys; then the console's closing lines."""
    har_path = finish_recording(summary, secrets)
    entries = exchanges.entries_of_findings(har_path, summary)
    html = html_report.render_report(summary, by_area(ordered), schedule, entries)
    (report_dir / html_report.REPORT_NAME).write_text(html, encoding="utf-8")
    clock.finish()
    summary["performance"] = clock.as_dict()
    record_configuration(args, summary)
    write_summary(summary, report_dir)
    junit.annotate(report_dir / JUNIT_NAME, summary)
    allure_results.annotate(report_dir / ALLURE_DIR, summary)
    exchanges.attach_to_allure(report_dir / ALLURE_DIR, summary, entries)
    scrub_tree(report_dir, secrets, skip=RECORDING_FILES)  # the HAR was scrubbed line by line
    names = [JUNIT_NAME, ALLURE_DIR, SUMMARY_NAME, html_report.REPORT_NAME]
    if har_path is not None:
        names.append(har.HAR_NAME)
    out.write(render_final(summary, [str(report_dir / name) for name in names]))


RECORDING_FILES = frozenset({har.HAR_NAME, har.HAR_NAME + ".part", recording.SPOOL_NAME})


def finish_recording(summary: dict[str, Any], secrets: list[str]) -> Path | None:
    """Write the run's exchanges.har (its entries scrubbed of ``secrets`` once more) and note it
    in ``summary``; None when the run recorded nothing (``--no-record``)."""
    recorder = recording.current()
    count = recorder.recorded
    path = recorder.finish(secrets)
    summary["recording"] = None if path is None else {"file": path.name, "exchanges": count}
    return path


def record_configuration(args: argparse.Namespace, summary: dict[str, Any]) -> None:
    """The effective configuration (names of the key variables, never keys) in summary.json."""
    effective = getattr(args, "configuration", None)
    if isinstance(effective, config.Effective):
        summary["configuration"] = effective.as_dict()
