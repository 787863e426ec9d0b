"""The pytest plugin of scrip-conformance (loaded through the ``pytest11`` entry point).

It only registers hooks, options and fixtures; everything it checks lives in
``scrip_conformance.invariants``. Options: the target (``--base-url``, ``--api-key``, ...), the
selection (``--profile``, ``--contract``) and the walk limits, each with an environment variable
fallback (see ``scrip_conformance.target.OPTIONS``). A contract test carries
``@pytest.mark.contract("ID", ...)``; it is selected when one of its contracts belongs to a
selected profile. Failures print the violations (contract, request as curl, expected, observed)
instead of a traceback; a failure of SHOULD-level contracts only is reported as a warning.
Under pytest-xdist a run against a target is scheduled so that its results are a serial run's
(``--parallel-schedule``, see ``scrip_conformance.parallel_schedule``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any, NoReturn

import pytest

from scrip_conformance import catalog, in_flight, witnesses
from scrip_conformance.client import ReadOnlyRefusal, TargetClient, TargetError
from scrip_conformance.discovery import Discovery
from scrip_conformance.provisioning import side_by_side
from scrip_conformance.recording import recorder as recording
from scrip_conformance.target import OPTIONS, Target, TargetConfigError, resolve
from scrip_conformance.violations import ContractFailure, Violation

MARKER = "contract"
PARALLEL_SCHEDULES = ("serial-equivalent", "xdist")
NOT_RUN_PREFIX = "not run: "
_TARGET_KEY = pytest.StashKey[Target]()
_WARNINGS_KEY = pytest.StashKey[list]()
_CHECKS_BEFORE = pytest.StashKey[witnesses.Witnesses]()


# -- helpers for contract modules ------------------------------------------------------------
def not_run(reason: str) -> NoReturn:
    """Report the running contract test as not run on this target, with the reason."""
    pytest.skip(NOT_RUN_PREFIX + reason)


def require_feature(target: Target, feature: str) -> None:
    """Not run unless the target supports ``feature``."""
    if not target.supports(feature):
        not_run(f"the target declares no support for {feature}")


def contract_ids(item: pytest.Item) -> list[str]:
    """The contract ids a collected test declares (from every ``contract`` marker)."""
    return [str(i) for mark in item.iter_markers(MARKER) for i in mark.args]


# -- options, configuration, header ----------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("scrip-conformance", "scrip-conformance target and selection")
    for option in OPTIONS:
        kwargs: dict[str, Any] = {"action": "append"} if option.multiple else {}
        group.addoption(
            option.flag,
            dest=option.flag.lstrip("-").replace("-", "_"),
            default=None,
            help=f"{option.help} [env {option.env}]",
            **kwargs,
        )
    group.addoption(
        "--parallel-schedule",
        dest="parallel_schedule",
        choices=PARALLEL_SCHEDULES,
        default=PARALLEL_SCHEDULES[0],
        help="under pytest-xdist: serial-equivalent (every test sees the target as in a serial "
        "run; see scrip_conformance.parallel_schedule) or xdist (xdist's own --dist, whose "
        "results may depend on timing)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*ids): the catalogue ids (contracts/catalog.yaml) this contract test verifies",
    )
    worker_input = getattr(config, "workerinput", None)  # an xdist worker: the controller's seed
    if worker_input and "scrip_seed" in worker_input and config.option.scrip_seed is None:
        config.option.scrip_seed = worker_input["scrip_seed"]
    try:
        target = resolve(vars(config.option), os.environ, need_target=False)
    except TargetConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[_TARGET_KEY] = target
    config.stash[_WARNINGS_KEY] = []


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: every worker uses the controller's seed."""
    node.workerinput["scrip_seed"] = _target(node.config).seed


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """pytest-xdist: a run against a target gets the serial-equivalent schedule (unless
    ``--parallel-schedule xdist``); runs without a target keep xdist's own."""
    if config.getoption("parallel_schedule") != "serial-equivalent":
        return None
    target = _target(config)
    if not target.base_url:
        return None
    from scrip_conformance.parallel_schedule import SerialEquivalentScheduling

    writes = bool(set(target.profiles) & catalog.WRITING_PROFILES)
    return SerialEquivalentScheduling(config, log, writes=writes)


def _target(config: pytest.Config) -> Target:
    return config.stash[_TARGET_KEY]


def pytest_report_header(config: pytest.Config) -> list[str]:
    target = _target(config)
    if not target.base_url:
        return []
    where = target.base_url
    return [
        f"scrip-conformance: target {where}, profiles {','.join(target.profiles)}, "
        f"budget {target.budget}, seed {target.seed}",
        f"scrip-conformance: reproduce with {target.reproduce_flags()}",
    ]


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    target = _target(config)
    if not any(contract_ids(item) for item in items) and not target.contracts:
        return
    try:
        contracts = catalog.default_catalog()
    except catalog.CatalogError as exc:
        raise pytest.UsageError(str(exc)) from None
    unknown_selected = [c for c in target.contracts if c not in contracts]
    if unknown_selected:
        raise pytest.UsageError(
            f"--contract names unknown contract id(s): {', '.join(unknown_selected)} "
            "(list them with: scrip-conformance contracts)"
        )
    selected_profiles = set(target.profiles)
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        ids = contract_ids(item)
        if not ids:
            keep.append(item)
            continue
        profiles = {contracts[i].profile for i in ids if i in contracts}
        wanted = (not profiles or profiles & selected_profiles) and (
            not target.contracts or set(ids) & set(target.contracts)
        )
        (keep if wanted else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
    needs_target = any(contract_ids(item) for item in items)
    if needs_target and not config.option.collectonly:
        try:
            resolve(vars(config.option), os.environ, need_target=True)
        except TargetConfigError as exc:
            raise pytest.UsageError(str(exc)) from None


@pytest.hookimpl(tryfirst=True)  # before the fixtures are set up: their checks count too
def pytest_runtest_setup(item: pytest.Item) -> None:
    contracts = catalog.default_catalog()
    ids = contract_ids(item)
    unknown = [i for i in ids if i not in contracts]
    if ids and not any(name == "scrip_contract" for name, _ in item.user_properties):
        # Carried to JUnit's <properties> (and the collector): which contract, at which level.
        item.user_properties.append(("scrip_contract", ",".join(ids)))
        levels = [contracts[i].level if i in contracts else "MUST" for i in ids]
        item.user_properties.append(("scrip_level", ",".join(levels)))
    side_by_side.quiet_target_for(item)  # nothing writes beside a test of the whole target
    if ids:
        item.stash[_CHECKS_BEFORE] = witnesses.MODEL_CHECKS.snapshot()
    if unknown:
        pytest.fail(
            f"contract id(s) not in contracts/catalog.yaml: {', '.join(unknown)}", pytrace=False
        )


def pytest_runtest_teardown(item: pytest.Item) -> None:
    """What the model-checked write sessions compared while this test ran, for its contracts,
    becomes its witnesses (before the teardown report, which carries them, is made); Allure
    gets every contract's witnesses of the test."""
    before = item.stash.get(_CHECKS_BEFORE, None)
    if before is None:
        return
    ids = contract_ids(item)
    added = witnesses.MODEL_CHECKS.since(before)
    mine = {cid: kinds for cid, kinds in added.items() if cid in ids}
    if mine:
        record_witnesses(item, mine)
    _witnesses_to_allure(ids, witnesses.decode_properties(item.user_properties))


def record_witnesses(item: pytest.Item, counts: witnesses.Witnesses) -> None:
    """Add ``counts`` to the witnesses carried by ``item``'s user property."""
    found = witnesses.decode_properties(item.user_properties)
    witnesses.merge(found, counts)
    props = [p for p in item.user_properties if p[0] != witnesses.PROPERTY]
    props.append((witnesses.PROPERTY, witnesses.encode(found)))
    item.user_properties[:] = props


# -- reporting -------------------------------------------------------------------------------
@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    excinfo = call.excinfo
    if report.skipped and isinstance(report.longrepr, tuple):
        _path, _lineno, reason = report.longrepr
        if NOT_RUN_PREFIX in str(reason):  # point at the contract test, not at this plugin
            location = item.location
            report.longrepr = (location[0], (location[1] or 0) + 1, reason)
    if excinfo is None or report.outcome != "failed":
        return report
    error = excinfo.value
    if isinstance(error, ContractFailure):
        error.violations = [_with_exchange(v) for v in error.violations]
        contracts = catalog.default_catalog()
        violations = ("scrip_violations", json.dumps([v.as_dict() for v in error.violations]))
        # On the item, so that the teardown report (which JUnit reads properties from) has it.
        item.user_properties.append(violations)
        report.user_properties.append(violations)
        levels = {
            contracts[v.contract_id].level if v.contract_id in contracts else "MUST"
            for v in error.violations
        }
        report.longrepr = "\n".join(v.render() for v in error.violations)
        if levels == {"SHOULD"} and call.when == "call":
            item.config.stash[_WARNINGS_KEY].append((item.nodeid, str(error)))
            report.outcome = "passed"
            report.longrepr = None
            item.user_properties.append(("scrip_should_warning", "true"))
            report.user_properties.append(("scrip_should_warning", "true"))
    elif isinstance(error, TargetError | ReadOnlyRefusal):
        report.longrepr = f"{type(error).__name__}: {error}"
        if isinstance(error, TargetError):  # nothing else can be judged: stop, do not pile up
            item.session.shouldstop = f"the target cannot be asked: {str(error).splitlines()[0]}"
    return report


def _with_exchange(found: Violation) -> Violation:
    """``found`` naming the recorded exchange of its request (when the run records and the
    check tied it to its request by curl line only)."""
    if found.exchanges or not found.request:
        return found
    exchange = recording.exchange_for(found.request, found.observed)
    return found.at(found.request, (exchange,)) if exchange else found


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    warnings = config.stash.get(_WARNINGS_KEY, [])
    if warnings:
        terminalreporter.section("scrip-conformance: SHOULD-level contracts not met (warnings)")
        for nodeid, text in warnings:
            terminalreporter.write_line(nodeid)
            for line in text.splitlines():
                terminalreporter.write_line("  " + line)
    target = config.stash.get(_TARGET_KEY, None)
    if target is not None and target.base_url:
        terminalreporter.write_line(f"scrip-conformance: reproduce with {target.reproduce_flags()}")


# -- fixtures --------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> Target:
    """The resolved options of the run (base URL, keys, profiles, limits, features)."""
    resolved = _target(pytestconfig)
    if not resolved.base_url or not resolved.api_key:
        pytest.fail("no target: give --base-url and --api-key", pytrace=False)
    in_flight.limit(resolved.concurrency)  # whatever sends: scenarios, reads, fuzzer workers
    return resolved


@pytest.fixture(scope="session")
def api(target: Target) -> Iterator[TargetClient]:
    """The target's HTTP client (read-only unless a writing profile is selected)."""
    client = TargetClient(
        target.base_url,
        target.api_key,
        timeout=target.request_timeout,
        read_only=target.read_only,
    )
    yield client
    client.close()


@pytest.fixture(scope="session")
def discovery(api: TargetClient, target: Target) -> Discovery:
    """The data the target holds, walked once per session within the walk limits."""
    return Discovery(api, target).run()


class WitnessRecorder:
    """``witness(contract_id, what, count=1)``: record what this test checked for a contract.

    A contract whose tests record no witness has not been exercised, whatever they asserted."""

    def __init__(self, item: pytest.Item) -> None:
        self._item = item
        self.counts: witnesses.Witnesses = {}

    def __call__(self, contract_id: str, what: str, count: int = 1) -> None:
        witnesses.add(self.counts, contract_id, what, count)
        record_witnesses(self._item, {contract_id: {what: count}})


@pytest.fixture
def witness(request: pytest.FixtureRequest) -> WitnessRecorder:
    """Record the witnesses of this test's contracts (see ``scrip_conformance.witnesses``)."""
    return WitnessRecorder(request.node)


def _witnesses_to_allure(ids: list[str], counts: witnesses.Witnesses) -> None:
    """Each contract's witnesses as an Allure parameter of the test (left out of its history
    id, so that a count changing does not start a new history)."""
    try:
        import allure
    except ImportError:
        return
    for cid in dict.fromkeys([*ids, *counts]):
        try:
            allure.dynamic.parameter(
                f"witnesses {cid}", witnesses.describe(counts.get(cid, {})), excluded=True
            )
        except Exception:  # noqa: BLE001 - no Allure run in progress: nothing to annotate
            return


@pytest.fixture(name="not_run")
def not_run_fixture():
    """``not_run(reason)``: report this contract test as not run on this target."""
    return not_run
