"""Run schemathesis' engine over the spec and boil its events down to a serialisable report.

The engine is the one ``st run`` drives (probing, examples, coverage, fuzzing, stateful), so the
suite finds at least what plain schemathesis finds, plus what the registered domain checks find.
"""

from __future__ import annotations

import time
from typing import Any

import schemathesis
from schemathesis.engine import events

import scrip_conformance.fuzzing.checks as domain_checks
from scrip_conformance import ast_guard, metering
from scrip_conformance.curl import redact, to_curl
from scrip_conformance.fuzzing.config import FuzzSettings, schemathesis_config
from scrip_conformance.fuzzing.examples import with_examples
from scrip_conformance.fuzzing.ordering import SerialOrder
from scrip_conformance.fuzzing.ordering import install as install_order
from scrip_conformance.fuzzing.report import (
    FuzzFailure,
    FuzzReport,
    OperationCoverage,
    contract_for_failure,
)
from scrip_conformance.invariants.registry import invariant_named
from scrip_conformance.pacing import Pacer
from scrip_conformance.progress import ProgressLine
from scrip_conformance.recording import recorder as recording
from scrip_conformance.resources import load_spec, spec_path, spec_sha256
from scrip_conformance.safety import fuzz_hooks, keys

FEATURE_OPERATIONS = {"liability-report": frozenset({"getLiabilityReport"})}
"""Operations a target declaring a feature unsupported does not serve: never fuzzed."""


def load_schema(settings: FuzzSettings) -> Any:
    """The spec as a schemathesis schema, configured for ``settings`` and filtered by mode."""
    config = schemathesis.Config.from_dict(schemathesis_config(settings))
    raw = with_examples(load_spec(), settings.known_ids)
    schema: Any = schemathesis.openapi.from_dict(raw, config=config)
    schema.location = spec_path().absolute().as_uri()
    # Include filters are alternatives (the config's own operation entries are one), so narrow
    # the run with exclusions, which all apply.
    if settings.read_only:
        schema = schema.exclude(func=lambda ctx: ctx.operation.method.upper() != "GET")
    absent = frozenset().union(
        *(ops for feature, ops in FEATURE_OPERATIONS.items() if feature in settings.unsupported)
    )
    if absent:
        schema = schema.exclude(
            func=lambda ctx: ctx.operation.definition.raw.get("operationId") in absent
        )
    if settings.operations:
        wanted = frozenset(settings.operations)
        schema = schema.exclude(
            func=lambda ctx: ctx.operation.definition.raw.get("operationId") not in wanted
        )
    return schema


def _operation_id(case: Any) -> str:
    return case.operation.definition.raw.get("operationId") or case.operation.label


def _headers(headers: Any) -> dict[str, str]:
    out = {}
    for name, value in dict(headers or {}).items():
        out[name] = value[0] if isinstance(value, list) and value else str(value)
    return out


class _Collector:
    """Folds engine events into per-operation coverage, failures and errors.

    With several workers (``order`` set) a phase's scenarios and errors arrive interleaved; they
    are held until the phase ends and folded then in the serial run's order (operations by
    their serial rank, each operation's own events in the order it sent them), so the report,
    its findings and the request sequence are the serial run's."""

    def __init__(self, settings: FuzzSettings) -> None:
        self.settings = settings
        self.coverage: dict[str, OperationCoverage] = {}
        self.failures: dict[tuple[str, str, str], FuzzFailure] = {}
        self.errors: list[str] = []
        self.stop_reason = "completed"
        self.sequence: list[str] = []
        self.order: SerialOrder | None = None
        self._phase = ""
        self._held: list[Any] = []

    def phase_started(self, phase: str) -> None:
        self.flush()
        self._phase = phase
        if self.order is not None:
            self.order.phase = phase  # before schemathesis asks for this phase's layers

    def take(self, event: Any) -> None:
        """A scenario or an error of the current phase: folded now, or at the phase's end."""
        if self.order is None:
            self._fold(event)
        else:
            self._held.append(event)

    def flush(self) -> None:
        """Fold what the phase's workers sent, in the serial order."""
        held, self._held = self._held, []
        if self.order is None or not held:
            for event in held:
                self._fold(event)
            return
        order, phase = self.order, self._phase
        ranked = sorted(
            enumerate(held), key=lambda item: (order.rank(phase, str(item[1].label)), item[0])
        )
        for _, event in ranked:
            self._fold(event)

    def _fold(self, event: Any) -> None:
        if isinstance(event, events.ScenarioFinished):
            self.scenario(event)
            return
        info = event.info
        text = f"{event.label}: {info.title}: {info.message}"
        if info.code_sample:
            text += f" (reproduce: {info.code_sample})"
        self.errors.append(self._secret(text))

    def _secret(self, text: str) -> str:
        return keys.scrub(redact(text, [self.settings.api_key]))

    def operation(self, op: str, label: str) -> OperationCoverage:
        if op not in self.coverage:
            self.coverage[op] = OperationCoverage(operation_id=op, label=label)
        return self.coverage[op]

    def scenario(self, event: events.ScenarioFinished) -> None:
        recorder = event.recorder
        phase = event.phase.value if hasattr(event.phase, "value") else str(event.phase)
        for case_id, interaction in recorder.interactions.items():
            node = recorder.cases.get(case_id)
            if node is None:
                continue
            case = node.value
            cov = self.operation(_operation_id(case), case.operation.label)
            cov.cases += 1
            request = interaction.request
            self.sequence.append(f"{request.method} {request.uri}")
            status = interaction.response.status_code if interaction.response else None
            key = str(status) if status is not None else "no-response"
            cov.statuses[key] = cov.statuses.get(key, 0) + 1
            cov.phases[phase] = cov.phases.get(phase, 0) + 1
        for case_id, nodes in recorder.checks.items():
            for check in nodes:
                if check.failure_info is None:
                    continue
                self._failure(recorder, case_id, check, phase)

    def _failure(self, recorder: Any, case_id: str, check: Any, phase: str) -> None:
        failure = check.failure_info.failure
        node = recorder.cases.get(case_id)
        op = _operation_id(node.value) if node is not None else (failure.operation or "")
        interaction = recorder.interactions.get(case_id)
        if interaction is not None:
            req = interaction.request
            curl = to_curl(req.method, req.uri, _headers(req.headers), req.body)
        else:
            curl = self._secret(check.failure_info.code_sample)
        steps = [self._secret(step.curl) for step in check.failure_info.steps]
        answer = getattr(interaction, "response", None) if interaction is not None else None
        exchange = recording.current().exchange_of(curl, getattr(answer, "status_code", None))
        message = self._secret(failure.message or "")
        key = (check.name, op, message.splitlines()[0] if message else failure.title)
        if key in self.failures:
            self.failures[key].occurrences += 1
            return
        self.failures[key] = FuzzFailure(
            check=check.name,
            contract_id=contract_for_failure(check.name, message),
            operation_id=op,
            phase=phase,
            code=getattr(failure, "code", ""),
            title=self._secret(failure.title or check.name),
            message=message,
            curl=curl,
            steps=steps if len(steps) > 1 else [],
            exchanges=[exchange] if exchange else [],
            invariant=check.name if invariant_named(check.name) is not None else "",
        )

    def after_run(self, failure: Any) -> None:
        name = failure.title or "after_run"
        message = self._secret(failure.message or "")
        key = (name, failure.operation or "", message.splitlines()[0] if message else "")
        if key not in self.failures:
            self.failures[key] = FuzzFailure(
                check=name,
                contract_id=contract_for_failure(name, message),
                operation_id=failure.operation or "",
                phase="after_run",
                code=getattr(failure, "code", ""),
                title=name,
                message=message,
                curl="",
            )


def run_fuzzing(settings: FuzzSettings, pacer: Pacer | None = None) -> FuzzReport:
    """Fuzz the target described by ``settings``; every finding and figure is in the report.

    Every request schemathesis sends (generated cases, the checks' probes, which skip the call
    hooks, and its probing phase), from any worker thread, goes through the guarded adapter,
    which waits for ``pacer``'s next slot and lets it learn from each answer's rate-limit
    headers (a 429's ``Retry-After`` is left to schemathesis' own retry, ``rate-limit =
    "auto"``, whose next attempt then finds the slot free)."""
    fuzz_hooks.install(settings.request_timeout)  # guard, caps and key scrubbing on every call
    fuzz_hooks.pacer = pacer or Pacer()
    # schemathesis' worker threads do not carry this context: they count and record as it says
    fuzz_hooks.meter, fuzz_hooks.phase = metering.meter(), recording.context_phase()
    try:
        return _run(settings)
    finally:
        fuzz_hooks.pacer = fuzz_hooks.meter = fuzz_hooks.phase = None


def _run(settings: FuzzSettings) -> FuzzReport:
    started = time.monotonic()
    collector = _Collector(settings)
    schema = load_schema(settings)
    if settings.workers > 1:  # side by side where that changes no answer, reported serially
        collector.order = install_order(schema)
        ast_guard.install()  # hypothesis parses source in each worker thread
    for operation in schema.get_all_operations():
        op = operation.ok()
        collector.operation(op.definition.raw.get("operationId") or op.label, op.label)
    limit = settings.max_time if settings.max_time is not None else settings.budget.max_time
    deadline = started + limit
    stream = schemathesis.engine.from_schema(schema).execute()
    stopped_by_time = False
    progress = ProgressLine("fuzzing")
    stage, done = "starting", set[str]()
    for event in stream:
        if isinstance(event, events.PhaseStarted):
            stage, done = event.phase.name.value, set()
            collector.phase_started(stage)
        elif isinstance(event, events.ScenarioFinished):
            done.add(str(event.label or event.id))
        if stage == "stateful":  # sequences along links across operations: counted, not planned
            progress.update(f"phase {stage}", len(done), None, "scenarios")
        else:
            progress.update(f"phase {stage}", len(done), len(collector.coverage), "operations")
        if not stopped_by_time and time.monotonic() > deadline:
            # The time limit caps the run; schemathesis' own max-time would fill it instead.
            stopped_by_time = True
            stream.stop()
        if isinstance(event, events.ScenarioFinished | events.NonFatalError):
            collector.take(event)
        elif isinstance(event, events.PhaseFinished):
            collector.flush()
            if collector.order is not None:
                collector.order.phase_ended()
        elif isinstance(event, events.FatalError):
            collector.flush()
            collector.errors.append(collector._secret(f"fatal: {event.exception}"))
        elif isinstance(event, events.EngineFinished):
            collector.flush()
            collector.stop_reason = "max_time" if stopped_by_time else str(event.stop_reason.value)
            for failure in getattr(event, "failures", []) or []:
                collector.after_run(failure)
    collector.flush()
    return FuzzReport(
        base_url=settings.base_url,
        seed=settings.seed,
        budget=settings.budget.name,
        read_only=settings.read_only,
        phases=list(settings.phases or ()),
        spec_sha256=spec_sha256(),
        domain_checks=list(domain_checks.DOMAIN_CHECKS),
        known_ids=settings.known_ids.as_dict(),
        operations=dict(sorted(collector.coverage.items())),
        failures=list(collector.failures.values()),
        errors=collector.errors,
        stop_reason=collector.stop_reason,
        elapsed_seconds=round(time.monotonic() - started, 3),
        request_sequence=collector.sequence,
    )
