"""The report's expiration-schedule charts show the assets holding the most outstanding value."""

from scrip_conformance.runner.html_report import _schedule
from scrip_conformance.runner.schedule import Schedule


def _row(name: str, total: str) -> dict:
    return {
        "asset_id": f"00000000-0000-0000-0000-{len(name):012d}",
        "asset_name": name,
        "asset_symbol": name.upper(),
        "buckets": [],
        "never_expiring": total,
        "expiring_before_window": "0",
        "expiring_after_window": "0",
        "scale": 0,
        "total_outstanding": total,
    }


def test_the_schedule_charts_show_the_eight_assets_with_the_most_outstanding_value():
    small = [_row(f"small{i}", "1") for i in range(9)]
    big = _row("bigasset", "5000")
    html = _schedule(Schedule("2026-01-01T00:00:00Z", "2026-12-31T23:59:59Z", small + [big]))
    assert "bigasset" in html
    assert sum(f"small{i}" in html for i in range(9)) == 7


def test_a_malformed_total_sorts_last_instead_of_breaking_the_report():
    rows = [_row(f"asset{i}", "2") for i in range(8)] + [_row("brokenrow", "n/a")]
    html = _schedule(Schedule("2026-01-01T00:00:00Z", "2026-12-31T23:59:59Z", rows))
    assert "brokenrow" not in html
    assert all(f"asset{i}" in html for i in range(8))
