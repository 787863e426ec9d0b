"""The text listing of ``scrip-conformance contracts``: a header row, then one aligned row per
contract."""

from __future__ import annotations

from scrip_conformance import catalog
from scrip_conformance.cli import main


def test_the_text_listing_starts_with_a_header_row_aligned_with_the_rows(capsys):
    assert main(["contracts", "--profile", "read-only"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header, first = lines[0], lines[1]
    assert header.split() == ["ID", "LEVEL", "PROFILE", "STATEMENT"]
    expected = [c.id for c in catalog.by_profile(catalog.load(), {"read-only"})]
    assert [line.split()[0] for line in lines[1:]] == expected
    for column in ("LEVEL", "PROFILE", "STATEMENT"):
        start = header.index(column)
        assert first[start - 2 : start] == "  " and first[start] != " "
