"""The one response a per-response invariant judges, in isolation from every other request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ResponseContext:
    """One request and its response, as the registered invariants see it.

    ``body`` is the parsed JSON body, or ``None`` when the response had no body or its body was
    not JSON (``body_is_json`` then tells the two apart). Header names are matched
    case-insensitively. ``query`` holds the query parameters as sent (strings).
    """

    operation_id: str
    method: str
    path_params: Mapping[str, Any] = field(default_factory=dict)
    query: Mapping[str, Any] = field(default_factory=dict)
    status_code: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    body_is_json: bool | None = None

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (case-insensitive), or None."""
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None

    @property
    def has_json_body(self) -> bool:
        if self.body_is_json is not None:
            return self.body_is_json
        return self.body is not None
