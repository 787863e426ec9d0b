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

    def at(self, request: str | None) -> Violation:
        """This violation, tied to the request (a redacted curl line) whose response showed it."""
        return dataclasses.replace(self, request=request)

    def render(self) -> str:
        where = f" ({self.subject})" if self.subject else ""
        lines = [f"[{self.contract_id}] {self.summary}{where}"]
        if self.request:
            lines.append(f"  request:  {self.request}")
        lines.append(f"  expected: {self.expected}")
        lines.append(f"  observed: {self.observed}")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, str | None]:
        return dataclasses.asdict(self)


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
