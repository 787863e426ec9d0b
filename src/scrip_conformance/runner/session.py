"""Run the contract suite with pytest, in-process, with the plugin's options and our collector.

pytest's own terminal output goes (redacted) to ``pytest-output.txt`` in the report dir; the
console gets the collector's progress lines instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from scrip_conformance.runner.collector import VerdictCollector
from scrip_conformance.runner.redaction import RedactingStream

JUNIT_NAME = "junit.xml"
ALLURE_DIR = "allure-results"
PYTEST_LOG_NAME = "pytest-output.txt"


@dataclass
class SuiteOptions:
    """What the contracts plugin needs to know, as the runner decided it."""

    base_url: str
    api_key: str
    second_org_key: str | None
    profiles: list[str]
    contracts: list[str]
    seed: int
    budget: str
    request_timeout: float | None = None
    extra_args: list[str] = field(default_factory=list)

    def plugin_args(self) -> list[str]:
        args = ["--base-url", self.base_url, "--api-key", self.api_key]
        if self.second_org_key:
            args += ["--second-org-key", self.second_org_key]
        for profile in self.profiles:
            args += ["--profile", profile]
        for contract in self.contracts:
            args += ["--contract", contract]
        args += ["--scrip-seed", str(self.seed), "--budget", self.budget]
        if self.request_timeout is not None:
            args += ["--request-timeout", str(self.request_timeout)]
        return args + list(self.extra_args)


# The plugins the suite needs. Auto-loading stays off: plugins installed beside the suite
# (pytest-randomly, ...) cannot change what it does, and pytest does not assertion-rewrite every
# module of every plugin's distribution on each start (about 300 schemathesis, hypothesis and
# anyio modules, recompiled on every run where bytecode is not written). Ours go by entry-point
# name, so that a suite's ``-p no:scrip_conformance`` still blocks them; the others by module,
# as a package name would mark the whole package for rewriting.
SUITE_PLUGINS = (
    "scrip_conformance",
    "scrip_conformance_fuzzing",
    "allure_pytest.plugin",
    "_hypothesis_pytestplugin",
)


def pytest_args(suite_dir: Path, report_dir: Path, options: SuiteOptions) -> list[str]:
    plugins = [arg for name in SUITE_PLUGINS for arg in ("-p", name)]
    return [
        str(suite_dir),
        "--rootdir",
        str(suite_dir),
        "--disable-plugin-autoload",
        *plugins,
        "-p",
        "no:cacheprovider",
        "-o",
        "junit_suite_name=scrip-conformance",
        "-o",
        "junit_family=xunit2",
        f"--junitxml={report_dir / JUNIT_NAME}",
        f"--alluredir={report_dir / ALLURE_DIR}",
        "--clean-alluredir",
        "--tb=short",
        "-rfE",
        *options.plugin_args(),
    ]


# The plugin falls back to these for options the runner leaves out: the runner decides them.
_RUNNER_OWNED_ENV = ("SCRIP_PROFILE", "SCRIP_CONTRACT", "SCRIP_SEED", "SCRIP_BUDGET")


@contextlib.contextmanager
def _runner_owned_env_cleared():
    saved = {name: os.environ.pop(name) for name in _RUNNER_OWNED_ENV if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def usage_error_of(log_path: Path) -> str | None:
    """The first ``ERROR: ...`` line pytest printed for a usage error, if any."""
    try:
        lines = log_path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    return next((line[len("ERROR: ") :] for line in lines if line.startswith("ERROR: ")), None)


# what Hypothesis derives from this machine alone, never from a run: its Unicode tables (about
# 4 s of CPU to build) and the constants it reads out of the code's source files
_MACHINE_CACHES = ("unicode_data", "constants")


def machine_cache_dir() -> Path:
    """Where a run keeps Hypothesis's machine-wide caches between runs: under
    ``$XDG_CACHE_HOME`` (default ``~/.cache``), ``scrip-conformance/hypothesis``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "scrip-conformance" / "hypothesis"


def _copy_caches(source: Path, destination: Path) -> None:
    """Copy the machine caches from one Hypothesis home to another; a cache that cannot be
    read or written only costs time, so errors are ignored."""
    for name in _MACHINE_CACHES:
        if (source / name).is_dir():
            with contextlib.suppress(OSError, shutil.Error):
                shutil.copytree(source / name, destination / name, dirs_exist_ok=True)


@contextlib.contextmanager
def _hypothesis_home_of_its_own() -> Iterator[None]:
    """Hypothesis keeps its files (the example database, its cache of the code's constants) in
    ``./.hypothesis`` by default: during a run they go to a temporary directory removed after it,
    so the run writes nothing into the current directory (and replays no example of an earlier
    run: a run is reproduced by its seed). Only the caches a run cannot influence (Unicode
    tables, source constants) are carried over from and back to :func:`machine_cache_dir`."""
    from hypothesis import configuration

    cache = machine_cache_dir()
    with tempfile.TemporaryDirectory(prefix="scrip-conformance-hypothesis-") as home:
        _copy_caches(cache, Path(home))
        configuration.set_hypothesis_home_dir(home)
        try:
            yield
        finally:
            configuration.set_hypothesis_home_dir(None)
            _copy_caches(Path(home), cache)


@contextlib.contextmanager
def _redirected(log: RedactingStream) -> Iterator[None]:
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = log
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
        log.close_pending()


def run_suite(
    suite_dir: Path,
    report_dir: Path,
    options: SuiteOptions,
    collector: VerdictCollector,
    secrets: list[str],
    plugins: list[object] | None = None,
) -> int:
    """Run pytest over ``suite_dir`` with ``collector`` (and ``plugins``); returns pytest's exit
    code."""
    args = pytest_args(suite_dir, report_dir, options)
    with (report_dir / PYTEST_LOG_NAME).open("w", encoding="utf-8") as raw_log:
        log = RedactingStream(raw_log, secrets)
        with _redirected(log), _runner_owned_env_cleared(), _hypothesis_home_of_its_own():
            return int(pytest.main(args, plugins=[collector, *(plugins or [])]))
