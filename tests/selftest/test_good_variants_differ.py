"""Every known-good variant really differs from the reference: its difference (a few direct
requests) shows on the variant and not on the correct reference, so a variant that silently
became the reference again, or a check that cannot tell, is noticed."""

from __future__ import annotations

import pytest

from scrip_conformance.selftest.good import ALL_GOOD
from scrip_conformance.selftest.good.probe import GoodProbe
from scrip_conformance.selftest.server import VariantServer

KEYS = {"sk_selftest_a": "org-a", "sk_selftest_b": "org-b"}


@pytest.fixture(scope="module")
def reference():
    with VariantServer(None, KEYS) as server:
        yield server


def _differs_on(server, variant) -> bool:
    with GoodProbe(server.base_url, "sk_selftest_a", "sk_selftest_b") as probe:
        return variant.differs(probe)


@pytest.mark.parametrize("variant", ALL_GOOD, ids=[v.name for v in ALL_GOOD])
def test_the_good_variant_differs_from_the_reference(variant, reference):
    with VariantServer(variant, KEYS) as server:
        assert _differs_on(server, variant), f"{variant.name} no longer differs from the reference"
    assert not _differs_on(reference, variant), (
        f"the difference of {variant.name} shows on the "
        "reference too: the check cannot tell them apart"
    )
