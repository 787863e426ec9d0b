"""Contract test functions loaded straight from ``contracts/<profile>/`` (to call them with a
session of our own, without a nested pytest run)."""

from __future__ import annotations

import importlib.util
import inspect
from collections.abc import Callable

from scrip_conformance.resources import contracts_dir


def contract_test(profile: str, module: str, name: str) -> Callable:
    """The contract test function ``name`` of ``contracts/<profile>/<module>.py`` (a writing
    profile's: the scenario it reports, which takes its fixtures by name)."""
    path = contracts_dir() / profile / f"{module}.py"
    spec = importlib.util.spec_from_file_location(f"part2_contract_{module}", path)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return inspect.unwrap(getattr(loaded, name))
