"""The known-good catalogue: at least fifteen legal variations, each documented, each in a
known freedom, each asking only for --unsupported features the suite knows, and the ones the
issue names all present."""

from __future__ import annotations

import pytest

from scrip_conformance.selftest.good import ALL_GOOD, FREEDOMS, GOOD_REGISTRY, good_by_name
from scrip_conformance.selftest.variants import REGISTRY
from scrip_conformance.target import FEATURES

REQUIRED = (
    "json-key-order",
    "gzip-content-encoding",
    "chunked-transfer",
    "json-charset-utf8",
    "reworded-error-messages",
    "opaque-cursor-tokens",
    "rate-limited",
    "timestamps-trimmed",
    "timestamps-milliseconds",
    "timestamps-whole-seconds",
    "without-extension",
    "without-liability-report",
    "without-rate-limit-headers",
    "extra-vendor-field",
)


def test_there_are_at_least_fifteen_good_variants_including_the_required_ones():
    assert len(ALL_GOOD) >= 15
    assert [name for name in REQUIRED if name not in GOOD_REGISTRY] == []


def test_good_and_bad_variant_names_never_collide():
    assert set(GOOD_REGISTRY) & set(REGISTRY) == set()


@pytest.mark.parametrize("variant", ALL_GOOD, ids=[v.name for v in ALL_GOOD])
def test_every_good_variant_documents_its_freedom(variant):
    assert variant.freedom in FREEDOMS
    assert len(variant.what.split()) >= 8, f"{variant.name}: the docstring must name the freedom"


@pytest.mark.parametrize("variant", ALL_GOOD, ids=[v.name for v in ALL_GOOD])
def test_every_good_variant_changes_something_and_asks_only_known_features(variant):
    assert variant.ledger is not None or variant.layers or variant.rate_limit
    assert set(variant.unsupported) <= set(FEATURES)


def test_the_features_left_out_are_declared_as_unsupported():
    assert good_by_name("without-extension").unsupported == ("extension",)
    assert good_by_name("without-liability-report").unsupported == ("liability-report",)
    assert good_by_name("without-rate-limit-headers").unsupported == ("rate-limit-headers",)
    assert good_by_name("rate-limited").unsupported == ()


def test_an_unknown_good_variant_name_is_a_clear_error():
    with pytest.raises(KeyError, match="no good variant 'nope'"):
        good_by_name("nope")
