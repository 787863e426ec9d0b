"""``scrip-conformance run``: pre-flight, the suite in-process, a baseline-aware gate, and the
reports (junit.xml, allure-results/, summary.json, report.html) under a fixed-name report dir.

Exit codes: 0 conformant (every selected MUST contract passed with evidence, or its gap was
accepted or declared); 1 not conformant (a MUST contract with a finding the baseline does not
excuse, or a failure outside any contract); 2 usage or configuration error (bad flags, no key, a
key the target rejects, an unreadable baseline, a suite that cannot load); 3 target unreachable
or not this API; 4 inconclusive (no such finding, but a selected MUST contract was not exercised
or not run and its gap was not accepted: see ``runner.verdict``); 130 interrupted by SIGINT and
143 by SIGTERM (the reports are still written, marked INTERRUPTED).
"""

from __future__ import annotations

import _thread
import argparse
import contextlib
import datetime as dt
import os
import secrets
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from scrip_conformance import catalog, metering, resources
from scrip_conformance.cli import EXIT_OK, EXIT_USAGE
from scrip_conformance.pacing import forget_pacers
from scrip_conformance.runner import html_report
from scrip_conformance.runner.baseline import Baseline, BaselineError, load_baseline
from scrip_conformance.runner.collector import VerdictCollector
from scrip_conformance.runner.console import render_final
from scrip_conformance.runner.junit import mark_should_warnings, write_allure_environment
from scrip_conformance.runner.ordering import SuiteOrder
from scrip_conformance.runner.outage import RunWatch, add_safety_options
from scrip_conformance.runner.outcomes import ContractResult, by_area
from scrip_conformance.runner.phases import PhaseClock
from scrip_conformance.runner.preflight import check_base_url, preflight
from scrip_conformance.runner.redaction import RedactingStream, scrub_tree
from scrip_conformance.runner.retire import retire_sandbox
from scrip_conformance.runner.schedule import fetch_schedule
from scrip_conformance.runner.session import (
    ALLURE_DIR,
    JUNIT_NAME,
    PYTEST_LOG_NAME,
    SuiteOptions,
    run_suite,
    usage_error_of,
)
from scrip_conformance.runner.summary import (
    SUMMARY_NAME,
    NoPreviousSummary,
    RunInfo,
    build_summary,
    failed_contract_ids,
    load_previous,
    write_summary,
)
from scrip_conformance.runner.verdict import EXIT_SIGINT, EXIT_SIGTERM, GapAcceptance, decide
from scrip_conformance.safety import keys as answer_keys

HELP = "Run the conformance suite against a target (default: the embedded reference) and report."

KEY_ENV = "SCRIP_API_KEY"
SECOND_KEY_ENV = "SCRIP_SECOND_ORG_KEY"
READ_ONLY_PROFILES = ("read-only",)
DEFAULT_TIMEOUT = 10.0
WALK_FLAGS = (
    "--max-assets", "--max-participants", "--max-lots-per-participant", "--clock-skew",
    "--concurrency",
)


class UsageProblem(Exception):
    """A usage or configuration error: printed as one line, exit code 2."""


def configure(parser: argparse.ArgumentParser) -> None:
    target = parser.add_argument_group("target")
    target.add_argument(
        "--base-url",
        metavar="URL",
        help="the server to judge (default: start the embedded reference "
        "implementation with its demo data on a free loopback port)",
    )
    target.add_argument(
        "--api-key", metavar="KEY", help=f"the API key (or set {KEY_ENV}); never written or printed"
    )
    target.add_argument(
        "--second-org-key",
        metavar="KEY",
        help=f"a key of another organization, for the isolation contracts "
        f"(or set {SECOND_KEY_ENV})",
    )
    target.add_argument(
        "--request-timeout",
        type=float,
        metavar="SECONDS",
        help="timeout of each request the suite sends",
    )
    for flag in WALK_FLAGS:
        target.add_argument(
            flag,
            type=float if flag == "--clock-skew" else int,
            metavar="N",
            help="passed to the contracts plugin (see pytest --help)",
        )
    target.add_argument(
        "--unsupported",
        action="append",
        metavar="FEATURE",
        help="a feature the target does not support (repeatable): the "
        "contracts that need it are reported as not run",
    )
    add_safety_options(target)
    what = parser.add_argument_group("what to run")
    what.add_argument(
        "--profile",
        action="append",
        metavar="PROFILE",
        help=f"run this profile (repeatable or comma-separated; default: all; one "
        f"of {', '.join(catalog.PROFILES)})",
    )
    what.add_argument(
        "--read-only",
        action="store_true",
        help="send only GET requests (the read-only profile): safe in production",
    )
    budget = what.add_mutually_exclusive_group()
    budget.add_argument(
        "--quick",
        dest="budget",
        action="store_const",
        const="quick",
        help="the small budget of a CI gate",
    )
    budget.add_argument(
        "--deep",
        dest="budget",
        action="store_const",
        const="deep",
        help="the large budget of a release check",
    )
    parser.set_defaults(budget="default")
    what.add_argument(
        "--seed",
        type=int,
        metavar="N",
        help="seed of generated data (default: random, printed and recorded)",
    )
    what.add_argument(
        "--only", nargs="+", action="extend", metavar="CONTRACT_ID", help="run only these contracts"
    )
    what.add_argument(
        "--rerun-failed",
        action="store_true",
        help="run only the contracts that failed or warned in the last "
        "summary.json of the report dir",
    )
    out = parser.add_argument_group("reports and gate")
    out.add_argument(
        "--report-dir",
        type=Path,
        default=Path("reports"),
        metavar="DIR",
        help="where the reports go (default: ./reports); file names are fixed",
    )
    out.add_argument(
        "--accept-gap",
        action="append",
        metavar="CONTRACT_ID[=REASON]",
        help="accept that this MUST contract goes without evidence on this target (repeatable): "
        "the run is not INCONCLUSIVE for it, and every report lists it as accepted",
    )
    out.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="known findings (contract, check, reason, expires): the gate fails "
        "only on findings it does not list or whose entry expired; entries of kind gap "
        "accept a contract's missing evidence until they expire",
    )


def _profiles(args: argparse.Namespace) -> list[str]:
    asked = [p.strip() for v in args.profile or [] for p in v.split(",") if p.strip()]
    unknown = sorted(set(asked) - set(catalog.PROFILES))
    if unknown:
        raise UsageProblem(
            f"unknown profile(s) {', '.join(unknown)}; choose from {', '.join(catalog.PROFILES)}"
        )
    if args.read_only:
        writing = sorted(set(asked) - set(READ_ONLY_PROFILES))
        if writing:
            raise UsageProblem(
                f"--read-only sends only GET requests: profile(s) "
                f"{', '.join(writing)} write to the target"
            )
        return list(READ_ONLY_PROFILES)
    return list(dict.fromkeys(asked)) or list(catalog.PROFILES)


def _seed(args: argparse.Namespace, previous: dict[str, Any] | None) -> int:
    if args.seed is not None:
        if args.seed < 0:
            raise UsageProblem("--seed must be zero or a positive integer")
        return args.seed
    if previous is not None:
        return int(previous["seed"])
    return secrets.randbelow(2**31)


@dataclass
class Target:
    """Where the suite runs and with which keys (the keys are secrets: never printed)."""

    base_url: str
    api_key: str
    second_org_key: str | None
    embedded: bool
    request_count: Callable[[], int] | None = None
    """How many requests the target has answered (the embedded target counts them)."""
    server_cpu: Callable[[], float] | None = None
    """CPU seconds the target has used (the embedded target publishes them)."""

    @property
    def secrets(self) -> list[str]:
        return [k for k in (self.api_key, self.second_org_key) if k]


@contextlib.contextmanager
def _target(args: argparse.Namespace, out: RedactingStream) -> Iterator[Target]:
    if args.base_url:
        yield Target(args.base_url.rstrip("/"), args.api_key, args.second_org_key, False)
        return
    from scrip_conformance.runner.embedded import embedded_target

    with embedded_target(prepare=_import_suite_plugins) as embedded:
        print(f"started the embedded reference implementation at {embedded.base_url}", file=out)
        yield Target(
            embedded.base_url,
            embedded.api_key,
            embedded.second_org_key,
            True,
            embedded.requests_answered,
            embedded.server_cpu_seconds,
        )


def _import_suite_plugins() -> None:
    """Import what the pytest session will load (schemathesis, hypothesis, the plugins), so that
    it happens while the embedded server starts rather than after."""
    import importlib

    modules = (
        "scrip_conformance.pytest_plugin",
        "scrip_conformance.fuzzing.plugin",
        "scrip_conformance.fuzzing.run",
        "allure_pytest.plugin",
        "_hypothesis_pytestplugin",
    )
    for name in modules:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


def _preflight(target: Target, timeout: float, err: RedactingStream) -> int:
    keys = (
        (target.api_key, "the API key"),
        (target.second_org_key, "the second organization's key"),
    )
    for key, label in keys:
        if key:
            result = preflight(target.base_url, key, label, timeout=timeout)
            if not result.ok:
                print(f"error: {result.message}", file=err)
                return result.exit_code
    return EXIT_OK


def _mark_unselected(
    results: dict[str, ContractResult], profiles: list[str], only: list[str], read_only: bool
) -> None:
    for result in results.values():
        if only and result.id not in only:
            result.selected, result.not_selected_reason = False, "not selected (--only)"
        elif result.profile and result.profile not in profiles:
            why = "--read-only" if read_only else "--profile"
            result.selected = False
            result.not_selected_reason = f"not selected: profile {result.profile} ({why})"


def _partial_by(args: argparse.Namespace, plan: Plan, results: dict[str, ContractResult]) -> str:
    """The flags that left contracts out of the run, or empty when every contract was selected."""
    if all(r.selected for r in results.values()):
        return ""
    flags = []
    if args.only:
        flags.append("--only")
    if args.rerun_failed:
        flags.append("--rerun-failed")
    if args.read_only:
        flags.append("--read-only")
    elif set(plan.profiles) != set(catalog.PROFILES):
        flags.append("--profile")
    return ", ".join(flags) or "selection"


@dataclass
class Plan:
    """What to run, decided from the flags before any request is sent."""

    contracts: dict[str, catalog.Contract]
    profiles: list[str]
    only: list[str]
    seed: int
    baseline: Baseline | None
    report_dir: Path
    timeout: float
    accepted_gaps: list[GapAcceptance] = field(default_factory=list)


class StopSignals:
    """SIGINT and SIGTERM stop the run: the first one raises KeyboardInterrupt in the main thread
    (pytest then ends the session, tears the fixtures down and writes junit.xml) and is
    remembered, so that the reports say INTERRUPTED and the exit code is 130 or 143. Code that
    swallows the interrupt (schemathesis ends its run early and returns) cannot keep the run
    going: no test starts after a signal (this is also a pytest plugin), and until pytest has
    taken the interrupt (and tears down, writes junit.xml) it is raised again every
    :data:`REPEAT_SECONDS`. While the reports are written (:meth:`hold`), a signal is only
    remembered."""

    REPEAT_SECONDS = 2.0

    def __init__(self) -> None:
        self.received: int | None = None
        self._raising = True
        self._saved: dict[int, Any] = {}
        self._repeater: threading.Thread | None = None
        self._taken = False  # pytest caught the interrupt and is ending the session

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._saved[signum] = signal.getsignal(signum)
                signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._saved.items():
            signal.signal(signum, handler)

    def _handle(self, signum: int, _frame: Any) -> None:
        if self.received is None:
            self.received = signum
            if self._raising:
                self._repeater = threading.Thread(target=self._repeat, daemon=True)
                self._repeater.start()
        if self._raising:
            raise KeyboardInterrupt

    def _repeat(self) -> None:
        while True:
            time.sleep(self.REPEAT_SECONDS)
            if not self._raising or self._taken:
                return
            _thread.interrupt_main()  # runs _handle in the main thread, which raises again

    def pytest_keyboard_interrupt(self) -> None:
        self._taken = True

    def hold(self) -> None:
        self._raising = False

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if self.received is not None and self._raising:
            raise KeyboardInterrupt

    @property
    def name(self) -> str | None:
        return None if self.received is None else signal.Signals(self.received).name

    @property
    def exit_code(self) -> int:
        return EXIT_SIGTERM if self.received == signal.SIGTERM else EXIT_SIGINT


def execute(args: argparse.Namespace) -> int:
    args.started_monotonic = time.monotonic()
    args.started_cpu = time.process_time()
    out = RedactingStream(sys.stdout, [])
    err = RedactingStream(sys.stderr, [])
    with StopSignals() as signals:
        args.signals = signals
        try:
            return _execute(args, out, err)
        except UsageProblem as problem:
            print(f"error: {problem}", file=err)
            return EXIT_USAGE
        except KeyboardInterrupt:  # before or after the suite: nothing to report
            signals.hold()
            print(f"interrupted ({signals.name or 'SIGINT'}) before the suite ran", file=err)
            return signals.exit_code
        finally:
            out.close_pending()
            err.close_pending()


def _check_keys(args: argparse.Namespace) -> None:
    if args.base_url:
        args.api_key = args.api_key or os.environ.get(KEY_ENV) or None
        args.second_org_key = args.second_org_key or os.environ.get(SECOND_KEY_ENV) or None
        problem = check_base_url(args.base_url)
        if problem:
            raise UsageProblem(problem)
        if not args.api_key:
            raise UsageProblem(f"no API key: pass --api-key or set {KEY_ENV}")
        if args.second_org_key and args.second_org_key == args.api_key:
            raise UsageProblem("--second-org-key must be a key of another organization")
    elif args.api_key or args.second_org_key:
        raise UsageProblem(
            "--api-key and --second-org-key need --base-url (the embedded "
            "reference makes its own keys)"
        )


def _plan(args: argparse.Namespace, out: RedactingStream) -> Plan | None:
    """The plan, or None when there is nothing to run (--rerun-failed after a clean run)."""
    if args.request_timeout is not None and args.request_timeout <= 0:
        raise UsageProblem("--request-timeout must be positive")
    try:
        contracts = catalog.default_catalog()
    except catalog.CatalogError as exc:
        raise UsageProblem(str(exc).splitlines()[0]) from None
    profiles = _profiles(args)
    report_dir: Path = args.report_dir
    previous = None
    only = list(dict.fromkeys(args.only or []))
    if args.rerun_failed:
        try:
            previous = load_previous(report_dir)
        except NoPreviousSummary as exc:
            raise UsageProblem(f"--rerun-failed: {exc}") from None
        failed = failed_contract_ids(previous)
        if not failed and not only:
            print(
                "--rerun-failed: no contract failed or warned in the last run; nothing to run",
                file=out,
            )
            return None
        only = list(dict.fromkeys([*only, *failed]))
    unknown = [cid for cid in only if cid not in contracts]
    if unknown:
        raise UsageProblem(
            f"unknown contract id(s): {', '.join(unknown)} (see `scrip-conformance contracts`)"
        )
    accepted = _accepted_gaps(args.accept_gap or [], contracts)
    baseline = None
    if args.baseline is not None:
        try:
            baseline = load_baseline(args.baseline)
        except BaselineError as exc:
            raise UsageProblem(str(exc)) from None
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageProblem(f"cannot create report dir {report_dir}: {exc.strerror}") from None
    return Plan(
        contracts,
        profiles,
        only,
        _seed(args, previous),
        baseline,
        report_dir,
        args.request_timeout or DEFAULT_TIMEOUT,
        accepted + (baseline.gap_acceptances() if baseline is not None else []),
    )


def _accepted_gaps(
    values: list[str], contracts: dict[str, catalog.Contract]
) -> list[GapAcceptance]:
    """``--accept-gap ID[=REASON]`` values, checked against the catalogue."""
    accepted = []
    for value in values:
        cid, _, reason = value.partition("=")
        cid = cid.strip()
        if cid not in contracts:
            raise UsageProblem(
                f"--accept-gap: unknown contract id {cid!r} (see `scrip-conformance contracts`)"
            )
        reason = reason.strip() or "accepted with --accept-gap (no reason given)"
        accepted.append(GapAcceptance(cid, reason, "--accept-gap"))
    return accepted


def _execute(args: argparse.Namespace, out: RedactingStream, err: RedactingStream) -> int:
    _check_keys(args)
    for stream in (out, err):
        stream.add_secrets([args.api_key, args.second_org_key])
    plan = _plan(args, out)
    if plan is None:
        return EXIT_OK
    metering.reset()  # this run's requests, counted by the suite's clients for every target
    forget_pacers()
    try:
        if args.base_url:
            # Before starting anything: a closed port or a wrong key is a one-line message.
            code = _preflight(
                Target(args.base_url, args.api_key, args.second_org_key, False), plan.timeout, err
            )
            if code != EXIT_OK:
                return code
        with _target(args, out) as target:
            answer_keys.register(*target.secrets)  # scrubbed from every answer from the first
            keys: list[str | None] = list(target.secrets)
            for stream in (out, err):
                stream.add_secrets(keys)
            if target.embedded:
                code = _preflight(target, plan.timeout, err)
                if code != EXIT_OK:
                    return code
            return _run(args, plan, target, out, err)
    except KeyboardInterrupt:
        return _interrupted_before_the_suite(args, plan, out, err)


def _interrupted_before_the_suite(
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
    _mark_unselected(results, plan.profiles, plan.only, args.read_only)
    for result in results.values():
        if result.selected:
            result.not_reached = f"not reached: the run was stopped by {name} before the suite"
    ordered = sorted(results.values(), key=lambda r: r.id)
    run = decide(
        ordered,
        acceptances=plan.accepted_gaps,
        interrupted_by=signals.received or signal.SIGINT,
        partial_by=_partial_by(args, plan, results),
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
    html = html_report.render_report(summary, by_area(ordered), None)
    (plan.report_dir / html_report.REPORT_NAME).write_text(html, encoding="utf-8")
    write_summary(summary, plan.report_dir)
    names = (SUMMARY_NAME, html_report.REPORT_NAME)
    out.write(render_final(summary, [str(plan.report_dir / n) for n in names]))
    return run.exit_code


def _run(
    args: argparse.Namespace, plan: Plan, target: Target, out: RedactingStream, err: RedactingStream
) -> int:
    info = RunInfo(
        base_url=target.base_url,
        embedded=target.embedded,
        seed=plan.seed,
        budget=args.budget,
        read_only=args.read_only,
        profiles=plan.profiles,
        only=plan.only,
        rerun_failed=args.rerun_failed,
    )
    only = f", only {', '.join(plan.only)}" if plan.only else ""
    print(
        f"scrip-conformance run: {target.base_url}, profiles {', '.join(plan.profiles)}, "
        f"budget {args.budget}, seed {plan.seed}{only}",
        file=out,
    )
    options = SuiteOptions(
        base_url=target.base_url,
        api_key=target.api_key,
        second_org_key=target.second_org_key,
        profiles=plan.profiles,
        contracts=plan.only,
        seed=plan.seed,
        budget=args.budget,
        request_timeout=args.request_timeout,
        extra_args=_walk_args(args),
    )

    def progress(line: str) -> None:
        print(line, file=out)
        out.flush()

    collector = VerdictCollector([c.as_dict() for c in plan.contracts.values()], progress)
    cpu_clock = time.process_time
    if target.server_cpu is not None:
        server_cpu = target.server_cpu

        def cpu_clock() -> float:
            return time.process_time() + server_cpu()

    clock = PhaseClock(
        getattr(args, "started_monotonic", None),
        getattr(args, "started_cpu", None),
        lambda: metering.meter().requests,
        cpu_clock=cpu_clock,
        rate_limits=lambda: metering.meter().reading(),
    )
    report_dir = plan.report_dir
    signals: StopSignals = getattr(args, "signals", None) or StopSignals()
    watch = RunWatch(args.deadline, args.max_response_bytes)
    plugins = [clock, SuiteOrder(), signals, watch]
    try:
        with watch.watching():
            code = run_suite(
                resources.contracts_dir(), report_dir, options, collector, target.secrets, plugins
            )
    except KeyboardInterrupt:  # a signal between pytest's own handling points
        code = 2
        signals.received = signals.received or signal.SIGINT
    signals.hold()
    clock.switch("reports")
    # a run stopped by the target or by its deadline is exit 3, not an interruption
    interrupted = None if watch.stopped else signals.name
    if interrupted:
        print(f"interrupted by {interrupted}: writing the reports of what ran", file=err)
    if not interrupted and not watch.stopped and (collector.collection_errors or code in (3, 4)):
        scrub_tree(report_dir, target.secrets)
        usage = usage_error_of(report_dir / PYTEST_LOG_NAME)
        first = (collector.collection_errors or [usage or f"pytest exit code {code}"])[0]
        log = report_dir / PYTEST_LOG_NAME
        print(f"error: the contract suite could not run ({first}); see {log}", file=err)
        return EXIT_USAGE

    if not (args.keep_sandbox or args.read_only or watch.stopped or interrupted or target.embedded):
        print(retire_sandbox(target.base_url, plan.timeout), file=out)
    results = collector.results
    stopped_code = watch.settle(results, collector.unattributed)
    _mark_unselected(results, plan.profiles, plan.only, args.read_only)
    if interrupted:
        for result in results.values():
            if result.selected and not result.tests:
                result.not_reached = f"not reached: the run was stopped by {interrupted}"
    today = dt.datetime.now(dt.UTC).date()
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
        partial_by=_partial_by(args, plan, results),
        catalog_size=len(plan.contracts),
    )
    exit_code = run.exit_code
    schedule = fetch_schedule(
        target.base_url, target.api_key, plan.timeout, skip=bool(interrupted) or watch.stopped
    )
    info.finished_at = dt.datetime.now(dt.UTC)
    info.interrupted = interrupted
    summary = build_summary(
        info,
        ordered,
        collector.unattributed,
        run,
        plan.baseline,
        today,
        coverage=collector.coverage,
    )
    html = html_report.render_report(summary, by_area(ordered), schedule)
    (report_dir / html_report.REPORT_NAME).write_text(html, encoding="utf-8")
    clock.finish()
    summary["performance"] = clock.as_dict()
    write_summary(summary, report_dir)
    mark_should_warnings(report_dir / JUNIT_NAME, summary)
    write_allure_environment(report_dir / ALLURE_DIR, summary)
    scrub_tree(report_dir, target.secrets)
    names = (JUNIT_NAME, ALLURE_DIR, SUMMARY_NAME, html_report.REPORT_NAME)
    out.write(render_final(summary, [str(report_dir / name) for name in names]))
    if stopped_code:
        print(f"error: {watch.message()}", file=err)
    return exit_code


def _walk_args(args: argparse.Namespace) -> list[str]:
    """The plugin's walk limits and feature flags, passed through when given."""
    extra: list[str] = []
    for flag in WALK_FLAGS:
        value = getattr(args, flag.lstrip("-").replace("-", "_"))
        if value is not None:
            extra += [flag, str(value)]
    for feature in args.unsupported or []:
        extra += ["--unsupported", feature]
    return extra
