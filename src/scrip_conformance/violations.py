"""What a broken contract looks like: contract id, request, expected and observed.

Invariant functions (pure, no I/O) return :class:`Violation` objects without a request; the code
that made the HTTP call attaches the request as a curl line (key redacted) with
:meth:`Violation.at`. :class:`ContractFailure` is the AssertionError a contract test or a
schemathesis check raises, so pytest and schemathesis both print the rendered violations.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Violation:
    """One observed breach of one contract."""

    contract_id: str
    summary: str
    expected: str
    observed: str
    subject: str = ""
    request: str | None = None
    exchanges: tuple[str, ...] = ()
    """Ids of the recorded exchanges that show it (``exchanges.har``), in sending order."""
    invariant: str = ""
    """The registered per-response invariant that found it (``invariants.registry``), when one
    did: ``replay`` re-applies it to the re-sent exchange; empty for any other check."""

    def at(self, request: str | None, exchanges: tuple[str, ...] = ()) -> Violation:
        """This violation, tied to the request (a redacted curl line) whose response showed it,
        and to that exchange's id when known."""
        return dataclasses.replace(self, request=request, exchanges=exchanges or self.exchanges)

    def found_by(self, invariant: str) -> Violation:
        """This violation, marked as found by the registered invariant named ``invariant``."""
        return self if self.invariant else dataclasses.replace(self, invariant=invariant)

    def render(self) -> str:
        where = f" ({self.subject})" if self.subject else ""
        lines = [f"[{self.contract_id}] {self.summary}{where}"]
        if self.request:
            lines.append(f"  request:  {self.request}")
        if self.exchanges:
            lines.append(f"  exchange: {', '.join(self.exchanges)} (exchanges.har)")
        lines.append(f"  expected: {self.expected}")
        lines.append(f"  observed: {self.observed}")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, object]:
        data = dataclasses.asdict(self)
        data["exchanges"] = list(self.exchanges)
        return data


class ContractFailure(AssertionError):
    """Raised with every violation a check found; its message is their rendering."""

    def __init__(self, violations: Iterable[Violation]):
        self.violations = list(violations)
        super().__init__("\n".join(v.render() for v in self.violations))


def raise_if_any(violations: Iterable[Violation], request: str | None = None) -> None:
    """Raise :class:`ContractFailure` when there is at least one violation."""
    found = [v.at(request) if request and v.request is None else v for v in violations]
    if found:
        raise ContractFailure(found)
