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


def test_a_long_title_widens_the_chart_and_every_bar_carries_its_value():
    import re

    from scrip_conformance.runner.charts import areas_chart, expiration_chart

    row = _row("A loyalty currency with a rather long marketing name", "1234567")
    svg = expiration_chart(row, 0)
    width = int(re.search(r'width="(\d+)"', svg).group(1))
    title = "A loyalty currency with a rather long marketing name (A LOYALTY"
    assert width >= len(title) * 7  # the title is not clipped at the chart's edge
    assert '<text class="bar-value"' in svg and ">1.2M</text>" in svg
    areas = areas_chart({"lots": {"passed": 5, "failed": 2, "not_exercised": 1, "not_run": 0}})
    assert ">5</text>" in areas and ">2</text>" in areas and "not exercised" in areas
