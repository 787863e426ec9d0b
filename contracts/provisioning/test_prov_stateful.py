"""Random sequences of writes compared with the model after every step (hypothesis)."""

from __future__ import annotations

import pytest

from scrip_conformance.model import LedgerModel
from scrip_conformance.provisioning.sandbox import Sandbox
from scrip_conformance.provisioning.side_by_side import scenario
from scrip_conformance.provisioning.stateful import CONTRACT, run_stateful


@pytest.mark.contract(CONTRACT)
@scenario
def test_random_write_sequences_match_the_model_after_every_step(
    target, wire, run_prefix_name, run_program, run_assets
):
    sandbox = Sandbox(wire, LedgerModel(), run_prefix_name, run_program, run_assets)
    asset = sandbox.shared_asset("LOT", 2)  # each example has a participant of its own
    run_stateful(wire, run_prefix_name, run_program, asset, seed=target.seed, budget=target.budget)
