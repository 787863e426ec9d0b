"""Every variant really exhibits its bug: its symptom (a few direct requests) shows on the
variant and not on the correct reference, so a variant that silently stopped being buggy, or a
symptom that cannot tell, is noticed."""

from __future__ import annotations

import pytest

from scrip_conformance.selftest.server import VariantServer
from scrip_conformance.selftest.variants import ALL
from scrip_conformance.selftest.variants.probe import Probe

KEYS = {"sk_selftest_a": "org-a", "sk_selftest_b": "org-b"}


@pytest.fixture(scope="module")
def reference():
    with VariantServer(None, KEYS) as server:
        yield server


def _symptom_on(server, variant) -> bool:
    with Probe(server.base_url, "sk_selftest_a", "sk_selftest_b") as probe:
        return variant.symptom(probe)


@pytest.mark.parametrize("variant", ALL, ids=[v.name for v in ALL])
def test_the_variant_shows_its_bug_and_the_reference_does_not(variant, reference):
    with VariantServer(variant, KEYS) as server:
        assert _symptom_on(server, variant), f"{variant.name} no longer shows its bug"
    assert not _symptom_on(reference, variant), (
        f"the symptom of {variant.name} fires on the "
        "correct reference: it cannot tell the bug apart"
    )
