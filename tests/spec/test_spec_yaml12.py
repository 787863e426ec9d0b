"""The spec reads the same in every tool: no YAML 1.1-only construct, so a YAML 1.2 parser (the
kind third-party OpenAPI tools use) and PyYAML (the suite's) see one document."""

from __future__ import annotations

from yaml12 import yaml11_only_constructs

from scrip_conformance.resources import spec_path


def test_the_spec_reads_the_same_with_yaml_1_2_and_pyyaml() -> None:
    assert yaml11_only_constructs(spec_path().read_text(encoding="utf-8")) == []


def test_a_merge_key_is_caught() -> None:
    text = "base: &b {x: 1}\nheaders:\n  <<: *b\n  y: 2\n"
    assert yaml11_only_constructs(text) == ["merge key `<<` at line 3"]


def test_yaml_1_1_booleans_and_octals_are_caught() -> None:
    problems = yaml11_only_constructs("flag: yes\nmode: 017\nplain: text\n")
    assert len(problems) == 2
    assert any("/flag" in p and "True" in p for p in problems)
    assert any("/mode" in p for p in problems)


def test_anchors_and_quoted_values_alone_are_not_flagged() -> None:
    text = "a: &x {p: 'yes'}\nb: *x\nc: '017'\nd: 12\n"
    assert yaml11_only_constructs(text) == []
