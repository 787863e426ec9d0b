"""The variant catalogue: enough variants, every family the issue lists, each documented, each
declaring contract ids that exist in contracts/catalog.yaml."""

from __future__ import annotations

import pytest

from scrip_conformance import catalog
from scrip_conformance.selftest.command import profiles_for, unknown_contract_ids
from scrip_conformance.selftest.variants import ALL, FAMILIES, by_name
from scrip_conformance.selftest.variants.base import Variant


def test_there_are_at_least_thirty_variants():
    assert len(ALL) >= 30


def test_every_family_has_a_variant():
    assert {v.family for v in ALL} == set(FAMILIES)


@pytest.mark.parametrize("variant", ALL, ids=[v.name for v in ALL])
def test_every_declared_contract_id_is_in_the_catalogue(variant):
    known = catalog.default_catalog()
    assert variant.contracts, f"{variant.name} declares no contract"
    assert [c for c in variant.contracts if c not in known] == []


@pytest.mark.parametrize("variant", ALL, ids=[v.name for v in ALL])
def test_every_variant_documents_its_bug(variant):
    assert len(variant.bug.split()) >= 8, f"{variant.name}: the docstring must name the bug"


def test_an_unknown_contract_id_is_reported_with_its_variant():
    fake = Variant("fake", "lots", ("LOT-REMAINING-LE-AMOUNT", "NO-SUCH-ID"), object, bool)
    known = set(catalog.default_catalog())
    assert unknown_contract_ids([fake, by_name("lifo-consumption")], known) == {
        "fake": ["NO-SUCH-ID"]
    }


def test_quick_runs_the_profiles_of_the_declared_contracts():
    contracts = catalog.default_catalog()
    assert profiles_for(by_name("lifo-consumption"), contracts) == ("provisioning",)
    both = profiles_for(by_name("overdraft-on-newest-lot"), contracts)
    assert both == ("read-only", "provisioning")


def test_an_unknown_variant_name_is_a_clear_error():
    with pytest.raises(KeyError, match="no variant 'nope'"):
        by_name("nope")


LEDGER_VARIANTS = [v for v in ALL if not v.is_middleware]


@pytest.mark.parametrize("variant", LEDGER_VARIANTS, ids=[v.name for v in LEDGER_VARIANTS])
def test_every_step_a_variant_overrides_still_exists_in_the_reference(variant):
    """A step renamed or removed in the reference would leave the fault silently unused."""
    from scrip_conformance.reference.ledger import Ledger

    overridden = [
        name
        for name, value in vars(variant.fault).items()
        if callable(value) and not name.startswith("__")
    ]
    for klass in variant.fault.__mro__[1:]:
        if klass is Ledger:
            break
        overridden += [n for n, v in vars(klass).items() if callable(v) and not n.startswith("__")]
    assert overridden, f"{variant.name} overrides no step"
    assert [n for n in overridden if not hasattr(Ledger, n)] == []
