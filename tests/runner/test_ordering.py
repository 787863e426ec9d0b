"""The runner runs the fuzzing profile last, the extension profile after the other write-side
profiles and before the read-only one, and keeps every other test in the suite's order."""

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


def test_the_clock_scenarios_go_after_the_other_write_side_tests_and_before_the_read_only_ones():
    names = [
        "concurrency/test_conc.py::test_a",
        "extension/test_ext.py::test_clock_1",
        "extension/test_ext.py::test_clock_2",
        "isolation/test_iso.py::test_b",
        "provisioning/test_prov.py::test_c",
        "read_only/test_ro.py::test_d",
        "fuzzing/test_fuzzing.py::test_e",
    ]
    items = [Item(n) for n in names]
    fuzzing_last(items)
    assert [i.nodeid for i in items] == [
        "concurrency/test_conc.py::test_a",
        "isolation/test_iso.py::test_b",
        "provisioning/test_prov.py::test_c",
        "extension/test_ext.py::test_clock_1",
        "extension/test_ext.py::test_clock_2",
        "read_only/test_ro.py::test_d",
        "fuzzing/test_fuzzing.py::test_e",
    ]
