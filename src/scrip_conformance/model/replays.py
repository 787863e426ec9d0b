"""D-IDEMPOTENCY in the model: a write with a key seen before answers the first outcome again
(marked replayed); the same key with another payload is a 409."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from scrip_conformance.model.calendar import as_utc
from scrip_conformance.model.positions import Outcome, refused


class Replays:
    """The outcome of every successful keyed write, by (program, key), with its payload."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], tuple[dict, Outcome]] = {}

    def answer(self, program_id: str, key: str, payload: dict) -> Outcome | None:
        """The answer to a replay of ``key``: the original outcome, a conflict for another
        payload, or None when the key is new."""
        if (program_id, key) not in self._seen:
            return None
        original_payload, original = self._seen[(program_id, key)]
        if original_payload != payload:
            return refused(409, "idempotency_conflict")
        return replace(original, replayed=True)

    def record(self, program_id: str, key: str, payload: dict, outcome: Outcome) -> None:
        self._seen[(program_id, key)] = (payload, outcome)

    def knows(self, program_id: str, key: str) -> bool:
        """Whether ``key`` was used by a successful write: a write with it is answered from
        that first outcome (or is a conflict), whatever the lots are now."""
        return (program_id, key) in self._seen

    def rebind(self, ids: dict[str, str]) -> None:
        """The server's ids (model id -> server id) in the stored outcomes' ``lots_processed``,
        so that a replay is expected with the ids its first answer named."""
        for where, (payload, outcome) in self._seen.items():
            named = outcome.lots_processed
            if named and any(i in ids for i, _ in named):
                moved = tuple((ids.get(i, i), value) for i, value in named)
                self._seen[where] = (payload, replace(outcome, lots_processed=moved))


def replay_payload(operation: str, participant_id: str, **fields: object) -> dict:
    """The replay-relevant content of a request: operation, participant, body fields but the key.

    A key reused by another operation is a conflict, whatever the body. Amounts are
    compared by value (trailing zeros normalised), timestamps as instants.
    """
    normal: dict[str, object] = {"participant": participant_id}
    for name, value in fields.items():
        if value is None:
            continue
        if name == "amount" and isinstance(value, str):
            try:
                value = Decimal(value).normalize()
            except ArithmeticError:
                pass
        elif isinstance(value, datetime):
            value = as_utc(value)
        elif isinstance(value, list | tuple):
            value = tuple(value)
        normal[name] = value
    normal["operation"] = operation
    return normal
