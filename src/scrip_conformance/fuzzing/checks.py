"""The ledger's invariants as schemathesis checks: every response the fuzzer provokes is judged.

Importing this module registers, once per process, one schemathesis check per invariant function
of :data:`scrip_conformance.invariants.RESPONSE_INVARIANTS`, named after the function, plus the
whole-run check :class:`pagination_traversal_consistent` and :func:`undocumented_method_refused`
(D-METHODS, in place of schemathesis' ``unsupported_method``, which wants 405 only). A check raises
:class:`~scrip_conformance.violations.ContractFailure`, so the failure shows the contract id, the
request as a curl line (key redacted), what was expected and what was seen. They run in
``st run`` too, through ``SCHEMATHESIS_HOOKS=scrip_conformance.fuzzing.checks``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import schemathesis
from schemathesis.generation.meta import CoveragePhaseData, CoverageScenario
from schemathesis.specs.openapi._auth_retry import get_security_parameters, remove_auth, send_probe

from scrip_conformance.curl import to_curl
from scrip_conformance.invariants import RESPONSE_INVARIANTS, ResponseContext
from scrip_conformance.invariants._common import items, violation
from scrip_conformance.invariants.lots import check_order
from scrip_conformance.invariants.pagination import check_no_duplicates
from scrip_conformance.violations import ContractFailure, Violation

Invariant = Callable[[ResponseContext], list[Violation]]


def operation_id(case: Any) -> str | None:
    """The spec's operationId of the operation a schemathesis case belongs to."""
    return case.operation.definition.raw.get("operationId")


def request_curl(response: Any, case: Any) -> str:
    """The request behind ``response`` as a curl line with the API key redacted."""
    request = getattr(response, "request", None)
    if request is not None and getattr(request, "url", None):
        body = request.body
        return to_curl(request.method or case.method, request.url, dict(request.headers), body)
    return to_curl(case.method, case.formatted_path, case.headers or {}, case.body)


def _parse_body(response: Any) -> Any:
    try:
        return json.loads(response.content) if response.content else None
    except (ValueError, UnicodeDecodeError):
        return None


def _as_sent(value: Any) -> Any:
    """A generated query value as it went on the wire (``True`` -> ``"true"``, 5 -> ``"5"``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def response_context(response: Any, case: Any) -> ResponseContext:
    """What an invariant sees of one exchange: parsed JSON and the request's parameters."""
    body = _parse_body(response)
    return ResponseContext(
        operation_id=operation_id(case) or "",
        method=case.method.upper(),
        path_params=dict(case.path_parameters or {}),
        query={k: _as_sent(v) for k, v in (case.query or {}).items()},
        status_code=response.status_code,
        headers={k.lower(): _first(v) for k, v in dict(response.headers).items()},
        body=body,
        body_is_json=body is not None,
    )


def _operations_of(invariant: Invariant) -> frozenset[str]:
    return frozenset(op for op, fns in RESPONSE_INVARIANTS.items() if invariant in fns)


def make_check(invariant: Invariant) -> Callable[..., bool | None]:
    """A schemathesis check named after ``invariant`` that applies it to its operations' responses.

    The invariant's own crash on a malformed body is not a finding here: the schema checks
    report malformed bodies, so the check then answers "not applicable".
    """
    operations = _operations_of(invariant)

    def check(ctx: Any, response: Any, case: Any) -> bool | None:
        if operation_id(case) not in operations:
            return None
        try:
            violations = invariant(response_context(response, case))
        except Exception:  # noqa: BLE001 - a malformed body is the schema checks' business
            return None
        if violations:
            curl = request_curl(response, case)
            raise ContractFailure(v.at(curl) if v.request is None else v for v in violations)
        return True

    check.__name__ = check.__qualname__ = invariant.__name__
    check.__doc__ = invariant.__doc__
    check.__module__ = __name__
    return check


def _unique_invariants() -> list[Invariant]:
    seen: dict[str, Invariant] = {}
    for fns in RESPONSE_INVARIANTS.values():
        for fn in fns:
            seen.setdefault(fn.__name__, fn)
    return list(seen.values())


class pagination_traversal_consistent:  # noqa: N801 - a check is named like a function
    """Pages of one cursor traversal (same list, same filters) never repeat a row, and lots stay
    in order across page boundaries.

    A whole-run check: it remembers, across responses, the rows each issued cursor has already
    shown, so a page fetched with a cursor is judged together with every earlier page of its
    traversal (``pagination.check_no_duplicates``, ``lots.check_order``). Re-invocation during
    shrinking is harmless: a cursor's record is written once and never changed.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # cursor -> (traversal key, ids of the pages before the cursor's page, last row shown)
        self._before: dict[str, tuple[tuple, tuple[str, ...], dict | None]] = {}

    @staticmethod
    def _traversal_key(case: Any) -> tuple:
        query = {k: v for k, v in (case.query or {}).items() if k not in ("cursor", "limit")}
        return (
            operation_id(case),
            tuple(sorted((case.path_parameters or {}).items())),
            tuple(sorted((k, str(v)) for k, v in query.items())),
        )

    def after_response(self, ctx: Any, response: Any, case: Any) -> bool | None:
        if response.status_code != 200:
            return None
        body = _parse_body(response)
        if not isinstance(body, dict) or not isinstance(body.get("pagination"), dict):
            return None
        rows = [row for row in items(body) if isinstance(row, dict)]
        ids = tuple(row["id"] for row in rows if isinstance(row.get("id"), str))
        if len(ids) != len(rows):
            return None  # rows without ids (balances, schedules): nothing to follow by id
        key = self._traversal_key(case)
        cursor = (case.query or {}).get("cursor")
        before: tuple[str, ...] = ()
        last: dict | None = None
        with self._lock:
            record = self._before.get(cursor) if isinstance(cursor, str) else None
            if record is not None and record[0] == key:
                before, last = record[1], record[2]
            pagination = body["pagination"]
            next_cursor = pagination.get("next_cursor")
            if pagination.get("has_more") is True and isinstance(next_cursor, str):
                self._before.setdefault(
                    next_cursor, (key, before + ids, rows[-1] if rows else last)
                )
        subject = operation_id(case) or case.operation.label
        violations = check_no_duplicates(before + ids, subject) if before else []
        if last is not None and rows and operation_id(case) == "listParticipantLots":
            if not (case.query or {}).get("status"):
                violations += check_order([last, *rows], subject)
        if violations:
            curl = request_curl(response, case)
            raise ContractFailure(v.at(curl) for v in violations)
        return True


REFUSALS = frozenset({400, 401, 403, 404, 405, 429})
"""D-METHODS: the answers an undocumented method may get (401/403/429 come before routing)."""


def undocumented_method_refused(ctx: Any, response: Any, case: Any) -> bool | None:
    """D-METHODS: a method the path does not document gets 404 or 405 (405 with ``Allow``, as
    RFC 9110 asks), or 400, or before routing 401, 403 or 429; never a 2xx. A 5xx is
    FUZZ-NO-SERVER-ERROR's to report."""
    meta = getattr(case, "meta", None)
    data = getattr(getattr(meta, "phase", None), "data", None)
    if not isinstance(data, CoveragePhaseData):
        return None
    if data.scenario != CoverageScenario.UNSPECIFIED_HTTP_METHOD:
        return None
    method = str(getattr(response.request, "method", "") or case.method).upper()
    status = response.status_code
    if method == "OPTIONS" or status >= 500:
        return None
    found = []
    if status not in REFUSALS:
        found.append(
            violation(
                "FUZZ-INPUT-VALIDATION",
                f"undocumented method {method} was not refused",
                "404 or 405 (or 400, 401, 403, 429), spec D-METHODS",
                f"status {status}",
            )
        )
    elif status == 405 and not response.headers.get("allow"):
        found.append(
            violation(
                "FUZZ-INPUT-VALIDATION",
                f"405 to {method} without an Allow header",
                "405 with Allow listing the path's methods (RFC 9110), spec D-METHODS",
                "no Allow header",
            )
        )
    if found:
        curl = request_curl(response, case)
        raise ContractFailure(v.at(curl) for v in found)
    return True


AUTH_REFUSALS = frozenset({401, 403})
"""D-AUTH: a request without a key is refused before anything else (403 for a key's rights)."""


def write_refused_without_key(ctx: Any, response: Any, case: Any) -> bool | None:
    """A write the run's key got a 2xx for is sent once more without any key (one probe per
    operation per run) and must be refused with 401 or 403.

    The quick budget's lean form of schemathesis' ``ignored_auth`` on writes: the same no-key
    probe, without its two wrong-key probes (AUTH-WRONG-KEY-401 sends wrong keys to every GET
    operation). A 429 to the probe judges nothing (the next 2xx of the operation probes again)."""
    if str(case.method).upper() == "GET" or not 200 <= response.status_code < 300:
        return None
    enforced = ctx.auth_enforced_operations
    label = case.operation.label
    if enforced is not None and label in enforced:
        return None
    probe = remove_auth(case, get_security_parameters(case.operation))
    answer = send_probe(ctx, case, probe)
    if answer.status_code == 429:  # the rate limit answered, not the auth: a later 2xx retries
        return None
    if enforced is not None:
        enforced.add(label)
    if answer.status_code in AUTH_REFUSALS:
        return True
    found = violation(
        "FUZZ-AUTH",
        f"{case.method.upper()} without an API key was not refused",
        "401 (or 403) to a request without X-API-Key, spec D-AUTH",
        f"status {answer.status_code}",
    )
    raise ContractFailure([found.at(request_curl(answer, probe))])


def _register() -> tuple[str, ...]:
    names = []
    for invariant in _unique_invariants():
        schemathesis.check(make_check(invariant))
        names.append(invariant.__name__)
    schemathesis.check(pagination_traversal_consistent)
    names.append(pagination_traversal_consistent.__name__)
    schemathesis.check(undocumented_method_refused)
    schemathesis.check(write_refused_without_key)
    return tuple(names)


DOMAIN_CHECKS: tuple[str, ...] = _register()
"""Names of every check this module registered (the invariants' names, then the whole-run one)."""
