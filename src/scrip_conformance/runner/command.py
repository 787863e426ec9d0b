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

import argparse
import contextlib
import datetime as dt
import os
import secrets
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrip_conformance import catalog, metering, resources
from scrip_conformance import progress as live_progress
from scrip_conformance.cli import EXIT_OK, EXIT_USAGE
from scrip_conformance.pacing import forget_pacers
from scrip_conformance.recording import recorder as recording
from scrip_conformance.recording.har import HAR_NAME
from scrip_conformance.runner import config
from scrip_conformance.runner.baseline import Baseline, BaselineError, load_baseline
from scrip_conformance.runner.closing import (
    RECORDING_FILES,
    interrupted_before_the_suite,
    judge,
    write_reports,
)
from scrip_conformance.runner.collector import VerdictCollector
from scrip_conformance.runner.help_text import RUN_EPILOG, plugin_help
from scrip_conformance.runner.ordering import SuiteOrder
from scrip_conformance.runner.outage import RunWatch, add_safety_options
from scrip_conformance.runner.phases import PhaseClock
from scrip_conformance.runner.preflight import check_base_url, preflight
from scrip_conformance.runner.redaction import RedactingStream, scrub_tree
from scrip_conformance.runner.retire import retire_sandbox
from scrip_conformance.runner.schedule import fetch_schedule
from scrip_conformance.runner.session import (
    PYTEST_LOG_NAME,
    SuiteOptions,
    run_suite,
    usage_error_of,
)
from scrip_conformance.runner.signals import StopSignals
from scrip_conformance.runner.summary import (
    NoPreviousSummary,
    RunInfo,
    build_summary,
    failed_contract_ids,
    load_previous,
)
from scrip_conformance.runner.verdict import GapAcceptance
from scrip_conformance.safety import keys as answer_keys
from scrip_conformance.target import FEATURES, Target

HELP = "Run the conformance suite against a target (default: the embedded reference) and report."

KEY_ENV = "SCRIP_API_KEY"
SECOND_KEY_ENV = "SCRIP_SECOND_ORG_KEY"
READ_ONLY_PROFILES = ("read-only",)
DEFAULT_TIMEOUT = 10.0
WALK_FLAGS = (
    "--max-assets",
    "--max-participants",
    "--max-lots-per-participant",
    "--clock-skew",
    "--concurrency",
)


class UsageProblem(Exception):
    """A usage or configuration error: printed as one line, exit code 2."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog, parser.formatter_class = RUN_EPILOG, argparse.RawDescriptionHelpFormatter
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
        help=f"timeout of each request the suite sends (default {DEFAULT_TIMEOUT:g})",
    )
    for flag in WALK_FLAGS:
        target.add_argument(
            flag,
            type=float if flag == "--clock-skew" else int,
            metavar="N",
            help=plugin_help(flag),
        )
    target.add_argument(
        "--unsupported",
        action="append",
        metavar="FEATURE",
        help="a feature the target does not support (repeatable): the "
        f"contracts that need it are reported as not run (one of {', '.join(FEATURES)})",
    )
    add_safety_options(target)
    _selection_options(parser)
    _report_options(parser)


def _selection_options(parser: argparse.ArgumentParser) -> None:
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
        help="the small budget of a CI gate (default: the default budget)",
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


def _report_options(parser: argparse.ArgumentParser) -> None:
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
    out.add_argument(
        "--no-record",
        dest="record",
        action="store_false",
        help=f"do not write {HAR_NAME} (by default every exchange of the run is recorded there, "
        "keys redacted, for the findings to name and `replay` to re-send)",
    )
    config.add_options(parser)  # last: it binds the config file's keys to the options above


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


def _given_target(args: argparse.Namespace, plan: Plan, **server: Any) -> Target:
    """The run's target: ``--base-url`` and the keys given, or ``server``'s (the embedded
    reference's), with the plan's choices."""
    return Target(
        base_url=server.pop("base_url", args.base_url).rstrip("/"),
        api_key=server.pop("api_key", args.api_key),
        second_org_key=server.pop("second_org_key", args.second_org_key),
        profiles=tuple(plan.profiles),
        contracts=tuple(plan.only),
        request_timeout=plan.timeout,
        seed=plan.seed,
        budget=args.budget,
        **server,
    )


@contextlib.contextmanager
def _target(args: argparse.Namespace, plan: Plan, out: RedactingStream) -> Iterator[Target]:
    if args.base_url:
        yield _given_target(args, plan)
        return
    from scrip_conformance.runner.embedded import embedded_target

    with embedded_target(prepare=_import_suite_plugins) as embedded:
        print(f"started the embedded reference implementation at {embedded.base_url}", file=out)
        yield _given_target(
            args,
            plan,
            base_url=embedded.base_url,
            api_key=embedded.api_key,
            second_org_key=embedded.second_org_key,
            embedded=True,
            request_count=embedded.requests_answered,
            server_cpu=embedded.server_cpu_seconds,
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
    created_dirs: list[Path] = field(default_factory=list)
    """The report dir and its parents that the plan created, deepest first."""

    def drop_created_dirs(self) -> None:
        """Remove the directories the plan created while still empty (nothing was reported)."""
        for directory in self.created_dirs:
            try:
                directory.rmdir()
            except OSError:  # not empty (or gone): leave it and its parents
                return


def execute(args: argparse.Namespace) -> int:
    args.started_monotonic = time.monotonic()
    args.started_cpu = time.process_time()
    out = RedactingStream(sys.stdout, [])
    err = RedactingStream(sys.stderr, [])
    with StopSignals() as signals:
        args.signals = signals
        try:
            for line in config.apply(args).lines():
                print(line, file=out)
            return _execute(args, out, err)
        except (UsageProblem, config.ConfigError) as problem:
            for line in str(problem).splitlines():
                print(f"error: {line}", file=err)
            return EXIT_USAGE
        except KeyboardInterrupt:  # before or after the suite: nothing to report
            signals.hold()
            print(f"interrupted ({signals.name or 'SIGINT'}) before the suite ran", file=err)
            return signals.exit_code
        finally:
            out.close_pending()
            err.close_pending()


def _check_keys(args: argparse.Namespace) -> None:
    key_env = getattr(args, "api_key_env", None) or KEY_ENV
    if args.base_url:
        args.api_key = args.api_key or os.environ.get(key_env) or None
        second_env = getattr(args, "second_org_key_env", None) or SECOND_KEY_ENV
        args.second_org_key = args.second_org_key or os.environ.get(second_env) or None
        problem = check_base_url(args.base_url)
        if problem:
            raise UsageProblem(problem)
        if not args.api_key:
            raise UsageProblem(f"no API key: pass --api-key or set {key_env}")
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
    gap_source = config.named_in_file(args, "accept_gaps") or "--accept-gap"
    accepted = _accepted_gaps(args.accept_gap or [], contracts, gap_source)
    baseline = None
    if args.baseline is not None:
        try:
            baseline = load_baseline(args.baseline)
        except BaselineError as exc:
            raise UsageProblem(str(exc)) from None
    created = [d for d in (report_dir, *report_dir.parents) if not d.exists()]
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
        created,
    )


def _accepted_gaps(
    values: list[str], contracts: dict[str, catalog.Contract], source: str = "--accept-gap"
) -> list[GapAcceptance]:
    """``--accept-gap ID[=REASON]`` values (or the config file's), checked against the
    catalogue."""
    accepted = []
    for value in values:
        cid, _, reason = value.partition("=")
        cid = cid.strip()
        if cid not in contracts:
            raise UsageProblem(
                f"{source}: unknown contract id {cid!r} (see `scrip-conformance contracts`)"
            )
        reason = reason.strip() or f"accepted with {source} (no reason given)"
        accepted.append(GapAcceptance(cid, reason, source))
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
    if args.record:
        try:
            recording.start(plan.report_dir, _key_roles(args.api_key, args.second_org_key))
        except OSError as exc:
            raise UsageProblem(
                f"cannot record the exchanges in {plan.report_dir}: {exc.strerror} "
                "(or pass --no-record)"
            ) from None
    else:  # an earlier run's exchanges would be read as this run's
        (plan.report_dir / HAR_NAME).unlink(missing_ok=True)
    try:
        if args.base_url:
            # Before starting anything: a closed port or a wrong key is a one-line message.
            code = _preflight(_given_target(args, plan), plan.timeout, err)
            if code != EXIT_OK:
                recording.stop()  # no report (nor HAR) is written when pre-flight fails
                plan.drop_created_dirs()
                return code
        with _target(args, plan, out) as target:
            answer_keys.register(*target.secrets)  # scrubbed from every answer from the first
            recording.set_roles(_key_roles(target.api_key, target.second_org_key))
            keys: list[str | None] = list(target.secrets)
            for stream in (out, err):
                stream.add_secrets(keys)
            if target.embedded:
                code = _preflight(target, plan.timeout, err)
                if code != EXIT_OK:
                    recording.stop()
                    plan.drop_created_dirs()
                    return code
            return _run(args, plan, target, out, err)
    except KeyboardInterrupt:
        return interrupted_before_the_suite(args, plan, out, err)
    finally:
        # whatever ended the run (a suite that could not load too), what was sent is written
        recording.current().finish(answer_keys.registered())
        recording.stop()


def _key_roles(api_key: str | None, second_org_key: str | None) -> dict[str, str | None]:
    """The run's keys by the role the HAR names them with (``_key``), never the keys."""
    return {"api_key": api_key, "second_org_key": second_org_key}


# long: the run's one sequence (clock, signals, deadline, suite, settle, judge, reports), read
# top to bottom; its steps are already functions of runner/closing.py
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
    options = _suite_options(args, plan, target)

    def progress(line: str) -> None:
        print(line, file=out)
        out.flush()

    collector = VerdictCollector([c.as_dict() for c in plan.contracts.values()], progress)
    clock = _phase_clock(args, target)
    report_dir = plan.report_dir
    signals: StopSignals = getattr(args, "signals", None) or StopSignals()
    watch = RunWatch(args.deadline, args.max_response_bytes)
    plugins = [clock, SuiteOrder(), signals, watch]
    try:
        with watch.watching(), live_progress.printing_to(progress):
            code = run_suite(
                resources.contracts_dir(), report_dir, options, collector, target.secrets, plugins
            )
    except KeyboardInterrupt:  # a signal between pytest's own handling points
        code = 2
        signals.received = signals.received or signal.SIGINT
    except Exception:
        # pytest itself can fail while it words an interrupt (a frame without a line number
        # in its traceback): once a signal came, that is the interruption, never a traceback
        if signals.received is None:
            raise
        code = 2
    signals.hold()
    clock.switch("reports")
    # a run stopped by the target or by its deadline is exit 3, not an interruption
    interrupted = None if watch.stopped else signals.name
    if interrupted:
        print(f"interrupted by {interrupted}: writing the reports of what ran", file=err)
    if not interrupted and not watch.stopped and (collector.collection_errors or code in (3, 4)):
        scrub_tree(report_dir, target.secrets, skip=RECORDING_FILES)
        usage = usage_error_of(report_dir / PYTEST_LOG_NAME)
        first = (collector.collection_errors or [usage or f"pytest exit code {code}"])[0]
        log = report_dir / PYTEST_LOG_NAME
        print(f"error: the contract suite could not run ({first}); see {log}", file=err)
        return EXIT_USAGE

    if not (args.keep_sandbox or args.read_only or watch.stopped or interrupted or target.embedded):
        print(retire_sandbox(target.base_url, plan.timeout, target.concurrency), file=out)
    today = dt.datetime.now(dt.UTC).date()
    ordered, run, stopped_code = judge(args, plan, collector, watch, signals, today)
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
    write_reports(args, report_dir, summary, ordered, schedule, clock, target.secrets, out)
    if stopped_code:
        print(f"error: {watch.message()}", file=err)
    return exit_code


def _suite_options(args: argparse.Namespace, plan: Plan, target: Target) -> SuiteOptions:
    """What the contracts plugin is told: the target, the plan's choices, the walk flags."""
    return SuiteOptions(
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


def _phase_clock(args: argparse.Namespace, target: Target) -> PhaseClock:
    """The clock of the run's phases; CPU time counts the embedded server's too."""
    cpu_clock = time.process_time
    if target.server_cpu is not None:
        server_cpu = target.server_cpu

        def cpu_clock() -> float:
            return time.process_time() + server_cpu()

    return PhaseClock(
        getattr(args, "started_monotonic", None),
        getattr(args, "started_cpu", None),
        lambda: metering.meter().requests,  # counted by the suite's clients, for every target
        cpu_clock=cpu_clock,
        rate_limits=lambda: metering.meter().reading(),
    )


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
