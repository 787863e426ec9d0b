"""The console and log streams redact keys even when a key arrives in pieces, and the scrub of
the report dir leaves no key in any file."""

from __future__ import annotations

import io

from scrip_conformance.runner.redaction import RedactingStream, scrub_tree

KEY = "sk_LEAKCANARY_stream_0042"


def test_a_key_split_across_writes_and_flushes_is_redacted():
    sink = io.StringIO()
    stream = RedactingStream(sink, [KEY])
    stream.write("header X-API-Key: sk_LEAK")
    stream.flush()
    stream.write("CANARY_stream_0042 sent\nnext line ")
    stream.flush()
    stream.close_pending()
    assert KEY not in sink.getvalue()
    assert sink.getvalue() == "header X-API-Key: [REDACTED] sent\nnext line "


def test_text_without_a_key_passes_through_unchanged():
    sink = io.StringIO()
    stream = RedactingStream(sink, [KEY])
    stream.write("[1/3] passed  LOT-X\n")
    assert sink.getvalue() == "[1/3] passed  LOT-X\n"


def test_scrub_tree_rewrites_only_the_files_holding_a_key(tmp_path):
    (tmp_path / "deep").mkdir()
    (tmp_path / "deep" / "a.json").write_text(f'{{"key": "{KEY}"}}')
    (tmp_path / "b.txt").write_text("nothing secret")
    assert scrub_tree(tmp_path, [KEY]) == 1
    assert (tmp_path / "deep" / "a.json").read_text() == '{"key": "[REDACTED]"}'
    assert (tmp_path / "b.txt").read_text() == "nothing secret"
