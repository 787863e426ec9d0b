"""pytest side of fuzzing: options, the session's one fuzzing run, and its terminal summary.

Registered as its own ``pytest11`` entry point. The run happens once per session, even under
pytest-xdist: the first worker that needs it runs it under a file lock and writes the report as
JSON, the others read that file. Whole-run checks therefore see the whole run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from scrip_conformance import progress
from scrip_conformance.catalog import DEFAULT_PROFILES, WRITING_PROFILES
from scrip_conformance.fuzzing.budgets import BUDGETS, budget_named
from scrip_conformance.fuzzing.config import PHASES, FuzzSettings
from scrip_conformance.fuzzing.report import FuzzReport, summary_lines
from scrip_conformance.provisioning import side_by_side
from scrip_conformance.target import split_values

REPORT_KEY = pytest.StashKey[FuzzReport]()
_STARTED_KEY = pytest.StashKey[float]()
SHARED_REPORT = Path("scrip-fuzzing", "report.json")
"""Where xdist workers share the run, under the session's base temp directory."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("scrip-fuzzing", "scrip-conformance fuzzing")
    group.addoption(
        "--fuzz-max-examples",
        type=int,
        default=None,
        help="examples per operation (overrides the budget's)",
    )
    group.addoption(
        "--fuzz-max-time",
        type=int,
        default=None,
        help="time limit of the fuzzing run in seconds (overrides the budget's)",
    )
    group.addoption(
        "--fuzz-phases",
        default=None,
        help=f"comma-separated schemathesis phases, of {','.join(PHASES)} (default: the "
        "budget's: all but coverage, and coverage too under deep)",
    )
    group.addoption(
        "--fuzz-read-only",
        action="store_true",
        default=False,
        help="fuzz GET operations only (implied when no writing profile is selected)",
    )
    group.addoption(
        "--fuzz-report",
        default=None,
        help="write the fuzzing coverage and findings as JSON to this path",
    )


def _option(config: pytest.Config, name: str, default: Any = None) -> Any:
    try:
        value = config.getoption(name)
    except ValueError:
        return default
    return default if value is None else value


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_STARTED_KEY] = time.time()


def _attr(obj: Any, *names: str) -> Any:
    for name in names:
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        if value is not None:
            return value
    return None


def is_read_only(config: pytest.Config, target: Any = None) -> bool:
    """Fuzz GET operations only unless a writing profile is selected (or when asked to).

    Selecting ``fuzzing`` next to ``read-only`` alone keeps the run safe against production.
    """
    if _option(config, "--fuzz-read-only", False):
        return True
    profiles = _attr(target, "profiles") if target is not None else None
    if profiles is None:
        profiles = split_values(_option(config, "--profile", None)) or DEFAULT_PROFILES
    return not (set(profiles) & WRITING_PROFILES)


def settings_from(
    config: pytest.Config,
    base_url: str,
    api_key: str,
    *,
    read_only: bool,
    seed: int = 0,
    budget_name: str | None = None,
    known_ids: Any = None,
    unsupported: frozenset[str] = frozenset(),
    workers: int = 1,
) -> FuzzSettings:
    """The run's settings from the session's options (budget, phases, limits)."""
    from scrip_conformance.fuzzing.data import KnownIds

    budget = budget_named(budget_name)
    examples = _option(config, "--fuzz-max-examples", None)
    if examples:
        budget = dataclasses.replace(budget, max_examples=int(examples))
    phases = tuple(split_values(_option(config, "--fuzz-phases", None)))
    unknown = [p for p in phases if p not in PHASES]
    if unknown:
        raise pytest.UsageError(f"--fuzz-phases: unknown phase(s) {', '.join(unknown)}")
    return FuzzSettings(
        base_url=base_url,
        api_key=api_key,
        seed=int(seed),
        budget=budget,
        read_only=read_only,
        phases=phases or None,
        known_ids=known_ids or KnownIds(),
        max_time=_option(config, "--fuzz-max-time", None),
        unsupported=frozenset(unsupported),
        workers=workers,
    )


def _run_once(config: pytest.Config, target: Any, ahead: bool = False) -> FuzzReport:
    return _fuzz(config, target, _set_up(config, target), ahead)


def _set_up(config: pytest.Config, target: Any) -> Any:
    """The fuzzing run's data: the ids the target holds (and, writing, the ones it provisions)."""
    return _provisioned(config, target, _discovered(config, target))


def _discovered(config: pytest.Config, target: Any) -> Any:
    """The ids the target holds (the walk of its lists)."""
    from scrip_conformance.fuzzing.data import discover
    from scrip_conformance.pacing import pacer_for

    base_url = target.base_url
    try:
        return discover(base_url, target.api_key, pacer=pacer_for(base_url))
    except Exception as exc:  # set-up against a broken target: say so, no traceback
        pytest.fail(f"fuzzing set-up failed against {base_url}: {exc}", pytrace=False)


def _provisioned(config: pytest.Config, target: Any, seen: Any) -> Any:
    """The ids to fuzz with: ``seen`` alone when reading only; else the ones provisioned, with
    ``seen``'s as readable."""
    from scrip_conformance.fuzzing.data import provision
    from scrip_conformance.pacing import pacer_for

    if is_read_only(config, target):
        return seen
    base_url = target.base_url
    try:
        ids = provision(
            base_url,
            target.api_key,
            seed=int(_attr(target, "seed") or 0),
            participants=budget_named(_attr(target, "budget")).seed_participants,
            unsupported=frozenset(_attr(target, "unsupported") or ()),
            pacer=pacer_for(base_url),  # one per target: every client shares the bucket
        )
    except Exception as exc:  # set-up against a broken target: say so, no traceback
        pytest.fail(f"fuzzing set-up failed against {base_url}: {exc}", pytrace=False)
    ids.readable = seen.by_kind()
    return ids


def _fuzz(config: pytest.Config, target: Any, ids: Any, ahead: bool) -> FuzzReport:
    """The fuzzing run itself, on the data of :func:`_set_up`."""
    from scrip_conformance.fuzzing.run import run_fuzzing
    from scrip_conformance.pacing import pacer_for

    base_url, api_key = target.base_url, target.api_key
    seed = int(_attr(target, "seed") or 0)
    unsupported = frozenset(_attr(target, "unsupported") or ())
    pacer = pacer_for(base_url)
    settings = settings_from(
        config,
        base_url,
        api_key,
        read_only=is_read_only(config, target),
        seed=seed,
        budget_name=_attr(target, "budget"),
        known_ids=ids,
        unsupported=unsupported,
        workers=int(_attr(target, "concurrency") or 1),
    )
    capture = config.pluginmanager.getplugin("capturemanager")
    around = capture.global_and_fixture_disabled if capture is not None else contextlib.nullcontext
    # beside the write-side scenarios (another thread): no progress line, no capture switched
    shown = progress.silenced() if ahead else progress.shown_through(around)
    try:
        with shown:  # the run's progress lines get past the capture
            return run_fuzzing(settings, pacer)
    except Exception as exc:  # a schemathesis or configuration error: say what, no traceback
        pytest.fail(f"fuzzing could not run against {base_url}: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def fuzz_report(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, target: Any
) -> FuzzReport:
    """The session's fuzzing run (one per session, shared by xdist workers through a file)."""
    config = request.config
    if REPORT_KEY in config.stash:
        return config.stash[REPORT_KEY]
    ran_here = True
    engine = config.stash.get(side_by_side.ENGINE_KEY, None)
    if engine is not None and engine.has_job(JOB):
        report = engine.take(JOB)  # run beside the write-side scenarios
    elif not os.environ.get("PYTEST_XDIST_WORKER"):
        report = _run_once(config, target)
    else:
        from filelock import FileLock

        path = tmp_path_factory.getbasetemp().parent / SHARED_REPORT
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(path) + ".lock"):
            if path.exists():
                report = FuzzReport.from_json(path)
                ran_here = False
            else:
                report = _run_once(config, target)
                report.to_json(path)
    config.stash[REPORT_KEY] = report
    out = _option(config, "--fuzz-report")
    if out and ran_here:
        report.to_json(Path(out))
    return report


JOB = "fuzzing"
"""The fuzzing run's name as a job beside the write-side scenarios (and its exchanges' phase)."""


def ahead_of_time(config: pytest.Config, target: Any) -> tuple[Any, Any]:
    """The session's fuzzing run as a job for :class:`~scrip_conformance.provisioning.
    side_by_side.SideBySide`: its discovery of the target's data, made before the write-side
    scenarios start (so it sees the same whatever runs beside the job later), then its own
    provisioning and the run, which write only to what it provisions, so they may run beside
    them (never beside the read-only profile, which waits for them)."""
    return (
        lambda: _discovered(config, target),
        lambda seen: _fuzz(config, target, _provisioned(config, target, seen), ahead=True),
    )


def _report_of_workers(config: pytest.Config) -> FuzzReport | None:
    """On the xdist controller: the report a worker wrote during this session, if any."""
    candidates = []
    out = _option(config, "--fuzz-report")
    if out:
        candidates.append(Path(out))
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is not None and os.environ.get("PYTEST_XDIST_WORKER") is None:
        try:
            candidates.append(factory.getbasetemp() / SHARED_REPORT)
        except OSError:
            pass
    started = config.stash.get(_STARTED_KEY, time.time())
    for path in candidates:
        if path.exists() and path.stat().st_mtime >= started - 1:
            try:
                return FuzzReport.from_json(path)
            except (ValueError, KeyError, TypeError, json.JSONDecodeError):
                continue
    return None


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    report = config.stash.get(REPORT_KEY, None)
    if report is None:
        report = _report_of_workers(config)
    if report is None:
        return
    terminalreporter.section("scrip-conformance fuzzing coverage")
    for line in summary_lines(report):
        terminalreporter.write_line(line)


__all__ = ["BUDGETS", "REPORT_KEY", "fuzz_report", "is_read_only", "settings_from"]
