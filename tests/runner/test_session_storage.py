"""A run keeps hypothesis' files (its example database, its cache of constants) out of the
current directory: they live in a temporary directory that is gone after the run; only the
machine-wide caches (Unicode tables, source constants) are kept for the next run."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import configuration

from scrip_conformance.runner.session import _hypothesis_home_of_its_own, machine_cache_dir


def test_hypothesis_stores_outside_the_current_directory_during_a_run_and_nothing_is_left():
    with _hypothesis_home_of_its_own():
        storage = configuration.storage_directory("constants")
        storage.create_if_missing()
        home = storage.home_directory
        assert home.parent == Path(tempfile.gettempdir()) and home.is_dir()
        assert home != Path.cwd() / ".hypothesis"
    assert not home.exists()
    assert configuration.storage_directory("x", intent_to_write=False).home_directory != home


def _write(storage, name: str, text: str) -> None:
    storage.create_if_missing()
    (storage.path / name).write_text(text, encoding="utf-8")


def test_unicode_tables_and_constants_are_kept_for_the_next_run_but_no_example_is(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    with _hypothesis_home_of_its_own():
        _write(configuration.storage_directory("unicode_data", "15.0.0"), "charmap.json.gz", "u")
        _write(configuration.storage_directory("constants"), "abc123", "c")
        _write(configuration.storage_directory("examples", "0f"), "1", "a failing example")
    cache = machine_cache_dir()
    assert cache == tmp_path / "scrip-conformance" / "hypothesis"
    assert sorted(p.name for p in cache.iterdir()) == ["constants", "unicode_data"]
    with _hypothesis_home_of_its_own():
        home = configuration.storage_directory("x", intent_to_write=False).home_directory
        assert (home / "unicode_data" / "15.0.0" / "charmap.json.gz").read_text() == "u"
        assert (home / "constants" / "abc123").read_text() == "c"
        assert not (home / "examples").exists()


def test_an_unwritable_cache_only_costs_time(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    with _hypothesis_home_of_its_own():
        _write(configuration.storage_directory("constants"), "abc123", "c")
    assert blocker.is_file()
