"""The known-good variants' probe: the known-bad variants' scenario helper, plus any method and
the raw text of an answer, to show how a variant differs from the reference on the wire."""

from __future__ import annotations

from typing import Any

import httpx

from scrip_conformance.selftest.variants.probe import Probe


class GoodProbe(Probe):
    """A :class:`Probe` whose ``get`` takes any HTTP method."""

    def get(self, path: str, query: dict[str, Any] | None = None, **kw: Any) -> httpx.Response:
        method = kw.pop("method", "GET")
        headers = kw.pop("headers", None)
        return self.http.request(
            method, path, params=query, headers=self.headers() if headers is None else headers, **kw
        )

    def raw_lots_text(self) -> str:
        """The raw text of a lot list holding one fresh lot."""
        self.credit("1.00")
        path = f"/v1/participants/{self.participant}/balances/lots"
        return self.get(path, {"asset_id": self.asset}).text
