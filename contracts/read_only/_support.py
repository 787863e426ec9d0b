"""Shared by the read-only contract modules: seeded choices and per-contract filtering."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pytest

from scrip_conformance.client import ApiResponse
from scrip_conformance.discovery import Findings
from scrip_conformance.invariants import check_response
from scrip_conformance.invariants.schema import check_matches_spec
from scrip_conformance.target import Target
from scrip_conformance.violations import Violation, raise_if_any


def rng(target: Target, purpose: str) -> random.Random:
    """A generator seeded by the run's seed and ``purpose`` (stable across test selection)."""
    return random.Random(f"{target.seed}:{purpose}")


def sample(generator: random.Random, population: Sequence[Any], k: int) -> list[Any]:
    """Up to ``k`` items of ``population``, chosen by ``generator``, in their original order."""
    if len(population) <= k:
        return list(population)
    chosen = sorted(generator.sample(range(len(population)), k))
    return [population[i] for i in chosen]


def params_for(contract_ids: Iterable[str]) -> list[Any]:
    """``pytest.param`` per contract id, each marked as verifying that contract."""
    return [pytest.param(i, id=i, marks=pytest.mark.contract(i)) for i in contract_ids]


MAX_SHOWN = 20


def record_witnesses(
    witness: Any, counts: Mapping[str, Mapping[str, int]] | Findings, contract_id: str, what: str
) -> None:
    """Pass what was judged for ``contract_id`` (per kind, from a walk's :class:`Findings` or a
    ``{contract: {kind: n}}`` dict) to the test's ``witness`` fixture; zero of kind ``what``
    when nothing was, so that the contract is reported not exercised."""
    if isinstance(counts, Findings):
        counts = counts.witnessed
    kinds = counts.get(contract_id) or {}
    if not any(kinds.values()):
        witness(contract_id, what, 0)
    for kind, count in kinds.items():
        witness(contract_id, kind, count)


def unreached_note(discovery: Any) -> str:
    """``"; not reached: ..."``: what the walk limits left unread, for a not-run reason."""
    lines = discovery.unreached()
    return "; not reached: " + "; ".join(lines) if lines else ""


def assert_contract(violations: Iterable[Violation] | Findings, contract_id: str) -> None:
    """Fail with the violations of ``contract_id`` among ``violations``, if any (the first
    ``MAX_SHOWN`` of them in full, the rest counted)."""
    if isinstance(violations, Findings):
        raise_if_any(violations.of(contract_id))
        return
    found = [v for v in violations if v.contract_id == contract_id]
    if len(found) > MAX_SHOWN:
        rest = len(found) - MAX_SHOWN
        found = found[:MAX_SHOWN] + [
            Violation(contract_id, f"... and {rest} more violations of this contract",
                      "no violation", f"{rest} more, like the ones above")
        ]  # fmt: skip
    raise_if_any(found)


def audit(responses: Iterable[ApiResponse]) -> list[Violation]:
    """Every per-response invariant over ``responses``, each violation tied to its request."""
    found: list[Violation] = []
    for response in responses:
        if response.operation_id:
            found += [v.at(response.curl) for v in check_response(response.context())]
            if response.is_json:
                found += [
                    v.at(response.curl)
                    for v in check_matches_spec(
                        response.operation_id, response.status_code, response.body
                    )
                ]
    return found
