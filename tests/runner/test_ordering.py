"""The runner runs the fuzzing profile last and keeps every other test in the suite's order."""

from __future__ import annotations

from dataclasses import dataclass

from scrip_conformance.runner.ordering import fuzzing_last


@dataclass
class Item:
    nodeid: str


def test_fuzzing_tests_go_last_and_every_group_keeps_its_order():
    names = [
        "concurrency/test_conc.py::test_a",
        "fuzzing/test_fuzzing.py::test_no_server_error",
        "fuzzing/test_fuzzing.py::test_schema",
        "isolation/test_iso.py::test_b",
        "provisioning/test_prov.py::test_c",
        "read_only/test_fuzzing_words.py::test_d",
    ]
    items = [Item(n) for n in names]
    fuzzing_last(items)
    assert [i.nodeid for i in items] == [
        "concurrency/test_conc.py::test_a",
        "isolation/test_iso.py::test_b",
        "provisioning/test_prov.py::test_c",
        "read_only/test_fuzzing_words.py::test_d",
        "fuzzing/test_fuzzing.py::test_no_server_error",
        "fuzzing/test_fuzzing.py::test_schema",
    ]
