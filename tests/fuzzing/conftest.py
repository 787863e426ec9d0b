"""Fixtures of the fuzzing tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fuzz_servers import serve

from scrip_conformance.reference.server import ReferenceServer


@pytest.fixture(scope="module")
def reference() -> Iterator[ReferenceServer]:
    """The reference with the demo data, shared by a module's tests."""
    with serve(demo=True) as (server, _):
        yield server
