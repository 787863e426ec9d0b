"""What a contract test actually checked: counts of witnesses (lots, pages, rows, buckets,
responses, scenarios) per contract, so that no contract passes having checked nothing.

A contract test records them with the ``witness`` fixture: ``witness("LOT-FINAL-HOLDS-NOTHING",
"final-state lots", 12)``. They travel on the pytest report as one user property
(:data:`PROPERTY`, a JSON object ``{contract_id: {what: count}}``), which JUnit writes as a
``<property>`` and the runner's collector reads back. Pure data here; the fixture lives in the
pytest plugin.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

PROPERTY = "scrip_witnesses"

Witnesses = dict[str, dict[str, int]]
"""``{contract_id: {what: count}}``: what each contract checked, by kind."""


def add(into: Witnesses, contract_id: str, what: str, count: int = 1) -> None:
    """Count ``count`` more witnesses of kind ``what`` for ``contract_id`` (0 records the kind)."""
    if count < 0:
        raise ValueError(f"a witness count is never negative (got {count} for {contract_id})")
    kinds = into.setdefault(contract_id, {})
    kinds[what] = kinds.get(what, 0) + int(count)


def merge(into: Witnesses, other: Mapping[str, Mapping[str, int]]) -> None:
    """Add every count of ``other`` to ``into``."""
    for contract_id, kinds in other.items():
        for what, count in kinds.items():
            add(into, contract_id, what, count)


def total(witnesses: Mapping[str, Mapping[str, int]], contract_id: str) -> int:
    """How many witnesses ``contract_id`` has, all kinds together."""
    return sum(witnesses.get(contract_id, {}).values())


def describe(kinds: Mapping[str, int]) -> str:
    """``"12 lots, 3 pages"``: the counts of one contract, for people."""
    return ", ".join(f"{count} {what}" for what, count in kinds.items()) or "nothing"


def encode(witnesses: Witnesses) -> str:
    return json.dumps(witnesses, sort_keys=True)


def decode_properties(properties: Iterable[tuple[str, object]]) -> Witnesses:
    """The witnesses carried by a report's ``user_properties`` (summed when repeated)."""
    found: Witnesses = {}
    for name, value in properties:
        if name == PROPERTY and isinstance(value, str):
            try:
                merge(found, json.loads(value))
            except (ValueError, AttributeError, TypeError):
                continue
    return found


class Tally:
    """A running count of witnesses kept by a harness that checks on behalf of many tests (the
    model-checked write sessions): the plugin records, for each test, what was added while it
    ran, for the contracts it is marked with."""

    def __init__(self) -> None:
        self.counts: Witnesses = {}

    def add(self, contract_id: str, what: str, count: int = 1) -> None:
        apart = _DIVERTED.get()
        add((apart if apart is not None else self.counts), contract_id, what, count)

    def snapshot(self) -> Witnesses:
        return {cid: dict(kinds) for cid, kinds in self.counts.items()}

    def since(self, before: Mapping[str, Mapping[str, int]]) -> Witnesses:
        """What was added since ``before`` (a :meth:`snapshot`)."""
        added: Witnesses = {}
        for cid, kinds in self.counts.items():
            for what, count in kinds.items():
                more = count - before.get(cid, {}).get(what, 0)
                if more > 0:
                    add(added, cid, what, more)
        return added


_DIVERTED: ContextVar[Witnesses | None] = ContextVar("scrip_witnesses", default=None)


@contextmanager
def kept_apart() -> Iterator[Witnesses]:
    """What a :class:`Tally` is given within (in this thread and context), kept apart: a
    side-by-side scenario's checks, added to its test's once that test reports."""
    apart: Witnesses = {}
    token = _DIVERTED.set(apart)
    try:
        yield apart
    finally:
        _DIVERTED.reset(token)


MODEL_CHECKS = Tally()
"""What the model-checked write sessions compared with the target, per contract (see
``provisioning.session.LedgerSession``)."""
