"""Fixtures of the write-side profiles (see scrip_conformance.provisioning.fixtures)."""

from scrip_conformance.provisioning.fixtures import (  # noqa: F401
    ledger,
    run_assets,
    run_prefix_name,
    run_program,
    side_by_side,
    wire,
)
