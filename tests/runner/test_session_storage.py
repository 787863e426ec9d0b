"""A run keeps hypothesis' files (its example database, its cache of constants) out of the
current directory: they live in a temporary directory that is gone after the run."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import configuration

from scrip_conformance.runner.session import _hypothesis_home_of_its_own


def test_hypothesis_stores_outside_the_current_directory_during_a_run_and_nothing_is_left():
    with _hypothesis_home_of_its_own():
        storage = configuration.storage_directory("constants")
        storage.create_if_missing()
        home = storage.home_directory
        assert home.parent == Path(tempfile.gettempdir()) and home.is_dir()
        assert home != Path.cwd() / ".hypothesis"
    assert not home.exists()
    assert configuration.storage_directory("x", intent_to_write=False).home_directory != home
