"""Shared fixtures for the ledger model's specification tests."""

from __future__ import annotations

import pytest
from model_timeline import A

from scrip_conformance.model import LedgerModel


@pytest.fixture
def model() -> LedgerModel:
    m = LedgerModel()
    m.add_asset(A, inventory_mode="LOT", scale=2)
    m.add_asset("asset-lot0", inventory_mode="LOT", scale=0)
    m.add_asset("asset-simple", inventory_mode="SIMPLE", scale=2)
    return m
