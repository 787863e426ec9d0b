"""The schemathesis configuration of a fuzzing run, built in code (no ``schemathesis.toml`` lookup).

Everything a run depends on is here: target, key, seed, budget, phases, generation modes, checks
and their expected statuses, and the dictionaries of real ids bound to path, query and body
parameters (data-aware generation). :func:`as_toml` renders the same settings for ``st run``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scrip_conformance import spec_schemas
from scrip_conformance.fuzzing.budgets import Budget, budget_named
from scrip_conformance.fuzzing.data import KnownIds
from scrip_conformance.fuzzing.ordering import workers_for
from scrip_conformance.resources import load_spec

PHASES = ("examples", "coverage", "fuzzing", "stateful")


def beyond_json_schema() -> dict[str, list[str]]:
    """operationId -> the statuses a schema-valid request may get for breaking a rule JSON Schema
    cannot state, as the spec lists them (``x-beyond-json-schema``: opaque cursors, amounts at
    the asset's scale, cross-field rules, LOT-only fields, the ledger's refusals)."""
    rules = (load_spec().get("x-beyond-json-schema") or {}).get("rules") or []
    out: dict[str, set[str]] = {}
    for rule in rules:
        status = str(rule.get("answer", "")).split(" ", 1)[0]
        if not status.isdigit():
            continue
        for op in rule.get("operations") or []:
            out.setdefault(op, set()).add(status)
    return {op: sorted(statuses) for op, statuses in sorted(out.items())}


_LIMITS = ["413", "414"]
"""D-LIMITS: any operation may refuse a body or URL over the server's own bound."""
_POSITIVE_BASE = ["2xx", "401", "403", "404", "409", "429", *_LIMITS]
"""What a schema-valid request may get anywhere: success, the key's refusals, an unknown id,
a conflict, the rate limit, a size bound; :func:`beyond_json_schema` adds the rest per
operation."""
_NEGATIVE = [
    "400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429", "5xx", *_LIMITS
]  # fmt: skip
"""What an invalid request may get: schemathesis' defaults, and the D-LIMITS refusals."""

# `ensure_resource_availability` reads a 404 right after a create as "the created resource is
# missing". That holds only where the link-fed path id is the one thing a 404 can be about; the
# other operations also answer 404 for an unknown program, asset or lot named in the query or
# body (spec Decisions), so the check stays on for these alone.
_ID_LOOKUP_ONLY_IN_PATH = frozenset({"getAsset", "updateAsset", "getParticipant"})


AMOUNTS = ["1", "2.50", "5.00", "10"]
"""Small amounts valid at the provisioned LOT asset's scale (2), for balance writes."""

MAX_READABLE = 50
"""Discovered ids per kind fed to GET operations at most."""

ID_PROBABILITY = 0.85
"""How often a bound parameter takes a real id instead of a generated value."""


@dataclass(frozen=True)
class FuzzSettings:
    """One fuzzing run: where, with which key, how much, and what it may touch."""

    base_url: str
    api_key: str
    seed: int = 0
    budget: Budget = field(default_factory=lambda: budget_named(None))
    read_only: bool = False
    phases: tuple[str, ...] | None = None
    """The schemathesis phases to run (None: the budget's)."""
    operations: tuple[str, ...] = ()
    """Restrict to these operationIds (empty: every operation the mode allows)."""
    known_ids: KnownIds = field(default_factory=KnownIds)
    request_timeout: float = 10.0
    max_time: int | None = None
    """Overrides the budget's time limit when set."""
    unsupported: frozenset[str] = frozenset()
    """Features the target declares unsupported (``--unsupported``): fuzzing neither requires
    nor judges them."""
    workers: int = 1
    """schemathesis' workers in the unit phases (the target's ``--concurrency``, bounded; 1:
    one operation after another). The report is the same either way
    (:mod:`scrip_conformance.fuzzing.ordering`); the stateful phase is always one thread."""

    def __post_init__(self) -> None:
        if self.phases is None:
            object.__setattr__(self, "phases", tuple(self.budget.phases))
        object.__setattr__(self, "workers", workers_for(self.workers))


def _dictionaries(ids: KnownIds) -> dict[str, dict[str, list[str]]]:
    kinds = {
        "programs": ids.programs,
        "assets": ids.assets,
        "lot_assets": ids.lot_assets,
        "simple_assets": ids.simple_assets,
        "participants": ids.participants,
        "reference_ids": ids.reference_ids,
        "amounts": AMOUNTS if ids.lot_assets else [],
        "buckets": ["AVAILABLE", "HELD"],
    }
    for kind in ("programs", "assets", "lot_assets", "participants"):
        own = kinds[kind]
        extra = ids.readable.get(kind, [])[:MAX_READABLE]
        kinds[f"read_{kind}"] = list(dict.fromkeys([*own, *extra]))
    return {name: {"values": list(values)} for name, values in kinds.items() if values}


def _bind(
    available: dict[str, Any], dictionary: str, probability: float = ID_PROBABILITY
) -> dict[str, Any] | None:
    if dictionary not in available:
        return None
    return {"dictionary": dictionary, "probability": probability}


def _parameter_bindings(available: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """operationId -> {"path.id": binding, ...}: where real ids go."""
    out: dict[str, dict[str, Any]] = {}

    def put(op: str, key: str, binding: dict[str, Any] | None) -> None:
        if binding is not None:
            out.setdefault(op, {})[key] = binding

    # Which operation takes which id, read from the spec (its order): the participant reads and
    # the balance writes by path, the filters by query parameter.
    balance_writes = spec_schemas.operations_under("post", "/v1/participants/{id}/balances/")
    # GET operations also read the target's own data (ids discovered, never written to).
    for op in spec_schemas.operations_under("get", "/v1/participants/{id}"):
        put(op, "path.id", _bind(available, "read_participants"))
    for op in balance_writes:
        put(op, "path.id", _bind(available, "participants"))
    put("getAsset", "path.id", _bind(available, "read_assets"))
    # updateAsset may archive what it touches: keep it off the LOT asset the balance writes use.
    put("updateAsset", "path.id", _bind(available, "simple_assets"))
    put("linkProgramAsset", "path.id", _bind(available, "programs"))
    put("linkProgramAsset", "body.asset_id", _bind(available, "assets"))
    for op in spec_schemas.operations_with_parameter("query", "program_id"):
        put(op, "query.program_id", _bind(available, "read_programs", 0.5))
    for op in spec_schemas.operations_with_parameter("query", "asset_id"):
        put(op, "query.asset_id", _bind(available, "read_lot_assets"))
    for op in ("createAsset", "createParticipant"):
        put(op, "body.program_id", _bind(available, "programs"))
    for op in balance_writes:
        put(op, "body.program_id", _bind(available, "programs"))
        put(op, "body.asset_id", _bind(available, "lot_assets"))
    for op in balance_writes:
        if op == "voidHoldParticipantBalance":  # void-hold refuses any amount
            continue
        put(op, "body.amount", _bind(available, "amounts", 0.8))
    put("forfeitParticipantBalance", "body.bucket", _bind(available, "buckets", 0.9))
    for op in (
        "listParticipantLots",
        "releaseParticipantBalance",
        "voidHoldParticipantBalance",
        "forfeitParticipantBalance",
    ):
        key = "query.reference_id" if op == "listParticipantLots" else "body.reference_id"
        put(op, key, _bind(available, "reference_ids", 0.5))
    return out


def spec_operation_ids() -> set[str]:
    """Every operationId of the spec."""
    return set(spec_schemas.operations())


def schemathesis_config(settings: FuzzSettings) -> dict[str, Any]:
    """The run's configuration as the dict ``schemathesis.Config.from_dict`` takes."""
    budget = settings.budget
    dictionaries = _dictionaries(settings.known_ids)
    bindings = _parameter_bindings(dictionaries)
    operations: list[dict[str, Any]] = []
    extra = beyond_json_schema()
    methods = {op: method.upper() for op, (_, method) in spec_schemas.operations().items()}
    for op in sorted(spec_operation_ids()):
        entry: dict[str, Any] = {"include-operation-id": op}
        op_checks: dict[str, Any] = {}
        more = [status for status in extra.get(op, []) if status not in _POSITIVE_BASE]
        op_checks["positive_data_acceptance"] = {"expected-statuses": _POSITIVE_BASE + more}
        if op not in _ID_LOOKUP_ONLY_IN_PATH:
            op_checks["ensure_resource_availability"] = {"enabled": False}
        if budget.lean_auth_probes or (
            not budget.auth_probes_on_reads and methods.get(op) == "GET"
        ):
            op_checks["ignored_auth"] = {"enabled": False}
        entry["checks"] = op_checks
        if op in bindings:
            entry["parameters"] = bindings[op]
        operations.append(entry)
    chosen = settings.phases or ()
    phases: dict[str, Any] = {name: {"enabled": name in chosen} for name in PHASES}
    phases["stateful"]["max-steps"] = budget.stateful_max_steps
    if budget.stateful_max_examples is not None:
        phases["stateful"]["generation"] = {"max-examples": budget.stateful_max_examples}
    # Ids come from our dictionaries. With schemathesis' own response-captured values as well,
    # the fuzzing phase of operations with a path id stopped after ~15 of the budget's examples
    # (measured with schemathesis 4.32.5); without them each operation gets its full budget.
    phases["fuzzing"]["extra-data-sources"] = {"responses": False}
    if not budget.examples_from_responses:
        phases["examples"]["extra-data-sources"] = {"responses": False}
    # D-METHODS accepts 404 as well as 405: undocumented_method_refused judges instead.
    checks: dict[str, Any] = {
        "enabled": True,
        "unsupported_method": {"enabled": False},
        "negative_data_rejection": {"expected-statuses": _NEGATIVE},
    }
    if not budget.lean_auth_probes:  # ignored_auth probes the writes (and the reads)
        checks["write_refused_without_key"] = {"enabled": False}
    if "rate-limit-headers" in settings.unsupported:
        checks["rate_limit_headers"] = {"enabled": False}
    if settings.read_only:
        # Read-only mode sends GET requests only: no requests with unexpected methods.
        phases["coverage"]["unexpected-methods"] = []
        checks["unsupported_method"] = {"enabled": False}
    config: dict[str, Any] = {
        "seed": settings.seed,
        "base-url": settings.base_url,
        "workers": settings.workers,
        "request-timeout": settings.request_timeout,
        # wait out a 429's Retry-After and send again (D-RATELIMIT); run.py paces by the headers
        "rate-limit": "auto",
        "suppress-health-check": ["all"],
        "auth": {"openapi": {"ApiKeyAuth": {"api_key": settings.api_key}}},
        "generation": {
            "mode": "all",
            "max-examples": budget.max_examples,
            "database": "none",
            "with-security-parameters": budget.generated_keys,
        },
        "phases": phases,
        "checks": checks,
        "operations": operations,
    }
    if dictionaries:
        config["dictionaries"] = dictionaries
    return config


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f'"{k}" = {_toml_value(v)}' for k, v in value.items()) + " }"
    raise TypeError(f"cannot render {type(value).__name__} as TOML")


def as_toml(config: dict[str, Any], *, hooks: str | None = None) -> str:
    """Render :func:`schemathesis_config`'s dict as a ``schemathesis.toml`` (for ``st run``)."""
    lines = [f"hooks = {_toml_value(hooks)}"] if hooks else []
    lines += [f'"{k}" = {_toml_value(v)}' for k, v in config.items() if k != "operations"]
    for entry in config.get("operations", []):
        lines.append("[[operations]]")
        lines += [f'"{k}" = {_toml_value(v)}' for k, v in entry.items()]
    return "\n".join(lines) + "\n"
