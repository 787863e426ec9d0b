"""The reference server running one known-bad variant, one known-good variant, or neither (the
correct reference).

For a known-bad variant the demo data set is written by a correct :class:`Ledger` on the same
store, so every variant starts from the same, valid history; the variant's fault then shows in
how it answers and in what it writes from then on. A known-good variant is correct, so it writes
the demo data itself (its own clock, ids and precision), unless it says its demo data comes from
the reference (a server without the extension fields cannot take the demo's dated credits).
Middleware wraps the unchanged app.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scrip_conformance.reference.demo import load_demo
from scrip_conformance.reference.ledger import Ledger
from scrip_conformance.reference.server import ReferenceServer
from scrip_conformance.reference.store import Store
from scrip_conformance.selftest.good.base import GoodVariant
from scrip_conformance.selftest.variants.base import Variant


class _Wrapped:
    """The outermost middleware of a known-good variant, with the app's ``state`` at hand."""

    def __init__(self, app: Any, state: Any) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


def write_demo_template(path: Path, org: str) -> None:
    """The demo data set of ``org``, written once by a correct ledger into the SQLite file
    ``path`` (its summary beside it, ``.json``): every later run whose demo comes from the
    reference copies it instead of writing the same history again (seconds of CPU per run).
    The lots' states follow the clock at read time (D-CLOCK), so a copy taken minutes later is
    the same ledger a little older."""
    store = Store()
    try:
        summary = load_demo(Ledger(store, {"sk_template": org}), org)
        target = sqlite3.connect(path)
        try:
            store.conn.backup(target)
        finally:
            target.close()
    finally:
        store.close()
    path.with_suffix(".json").write_text(json.dumps(summary), encoding="utf-8")


def _copy_demo_template(path: Path, store: Store) -> dict:
    """Restore a :func:`write_demo_template` file into ``store``; the demo's summary."""
    source = sqlite3.connect(path)
    try:
        with store.lock:
            source.backup(store.conn)
    finally:
        source.close()
    return json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))


class VariantServer(ReferenceServer):
    """``with VariantServer(variant, api_keys) as srv: srv.base_url`` (``variant`` None: the
    correct reference). ``demo=True`` loads the demo data for the first key's organization
    (copied from ``demo_template`` when the reference writes it: :func:`write_demo_template`)."""

    def __init__(
        self,
        variant: Variant | GoodVariant | None,
        api_keys: Mapping[str, str],
        *,
        demo: bool = False,
        demo_template: Path | None = None,
    ) -> None:
        good = variant if isinstance(variant, GoodVariant) else None
        if good is not None:
            ledger = good.ledger
        else:
            ledger = variant.fault if variant is not None and not variant.is_middleware else None
        super().__init__(
            api_keys, demo=False, ledger_factory=ledger, rate_limit=bool(good and good.rate_limit)
        )
        self.variant = variant
        self.with_demo = demo
        self.demo_template = demo_template
        if good is not None:
            inner = self.app
            wrapped: Any = inner
            for layer in good.layers:
                wrapped = layer(wrapped)
            self.app = _Wrapped(wrapped, inner.state) if good.layers else inner
        elif variant is not None and variant.is_middleware:
            self.app = variant.fault(self.app)

    def start(self) -> VariantServer:
        if self.with_demo:
            org = next(iter(self.api_keys.values()))
            good = isinstance(self.variant, GoodVariant) and not self.variant.demo_with_reference
            if not good and self.demo_template is not None:
                self.demo_summary = _copy_demo_template(self.demo_template, self.app.state.store)
            else:
                store = self.app.state.store
                writer = self.app.state.ledger if good else Ledger(store, self.api_keys)
                self.demo_summary = load_demo(writer, org)
        super().start()
        return self
