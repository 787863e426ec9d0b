"""The self-test writes the demo data once and copies it into each run: a copied demo is the
same ledger as one written in place."""

from __future__ import annotations

from scrip_conformance.selftest.server import VariantServer, write_demo_template
from scrip_conformance.selftest.variants import by_name

KEYS = {"sk_template_test_a": "org-a", "sk_template_test_b": "org-b"}
TABLES = ("programs", "assets", "participants", "lots", "movements")


def _rows(server: VariantServer, table: str) -> list[tuple]:
    with server.app.state.store.lock:
        cursor = server.app.state.store.conn.execute(f"SELECT * FROM {table} ORDER BY rowid")
        return [tuple(row) for row in cursor.fetchall()]


def test_a_copied_demo_holds_every_row_the_demo_writes_and_the_same_summary(tmp_path):
    template = tmp_path / "demo.sqlite"
    write_demo_template(template, "org-a")
    written = VariantServer(None, KEYS, demo=True)
    copied = VariantServer(
        by_name("has-more-without-cursor"), KEYS, demo=True, demo_template=template
    )
    with written, copied:
        assert copied.demo_summary == written.demo_summary
        assert copied.demo_summary["lots"] > 100
        for table in TABLES:
            assert len(_rows(copied, table)) == len(_rows(written, table)), table
        # the same ids, amounts and what is left of each lot (the clock only moved on)
        lots = "SELECT id, participant_id, amount, remaining, state FROM lots ORDER BY id"
        with written.app.state.store.lock, copied.app.state.store.lock:
            assert (
                copied.app.state.store.conn.execute(lots).fetchall()
                == written.app.state.store.conn.execute(lots).fetchall()
            )
