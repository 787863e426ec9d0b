"""The reference server running one known-bad variant (or none: the correct reference).

The demo data set is written by a correct :class:`Ledger` on the same store, so every variant
starts from the same, valid history; the variant's fault then shows in how it answers and in
what it writes from then on. A middleware variant wraps the unchanged app.
"""

from __future__ import annotations

from collections.abc import Mapping

from scrip_conformance.reference.demo import load_demo
from scrip_conformance.reference.ledger import Ledger
from scrip_conformance.reference.server import ReferenceServer
from scrip_conformance.selftest.variants.base import Variant


class VariantServer(ReferenceServer):
    """``with VariantServer(variant, api_keys) as srv: srv.base_url`` (``variant`` None: the
    correct reference). ``demo=True`` loads the demo data for the first key's organization."""

    def __init__(
        self,
        variant: Variant | None,
        api_keys: Mapping[str, str],
        *,
        demo: bool = False,
    ) -> None:
        ledger = variant.fault if variant is not None and not variant.is_middleware else None
        super().__init__(api_keys, demo=False, ledger_factory=ledger)
        self.variant = variant
        self.with_demo = demo
        if variant is not None and variant.is_middleware:
            self.app = variant.fault(self.app)

    def start(self) -> VariantServer:
        if self.with_demo:
            org = next(iter(self.api_keys.values()))
            clean = Ledger(self.app.state.store, self.api_keys)
            self.demo_summary = load_demo(clean, org)
        super().start()
        return self
