"""Inline SVG charts for the HTML report: plain markup, no script, no external asset.

Amounts are decimal strings; bar lengths are computed with ``Decimal`` and rounded to pixels.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from html import escape
from typing import Any

COLOURS = {
    "passed": "#2e7d32",
    "failed": "#c62828",
    "warned": "#ef6c00",
    "not_exercised": "#6d4c41",
    "not_run": "#9e9e9e",
}
LABELS = {
    "passed": "passed",
    "failed": "failed",
    "warned": "warned",
    "not_exercised": "not exercised",
    "not_run": "not run",
}
_CHAR_W = 7  # a generous average glyph width at 12-13 px, so that no text is clipped


def _text_width(text: str, size: int = 13) -> int:
    return int(len(text) * _CHAR_W * size / 13) + 20


def _scaled(value: Decimal, maximum: Decimal, pixels: int) -> int:
    if maximum <= 0 or value <= 0:
        return 0
    return max(1, int((value * pixels / maximum).to_integral_value()))


def areas_chart(areas: dict[str, dict[str, int]]) -> str:
    """Horizontal stacked bars: per area, how many contracts passed, failed, warned, were not
    exercised, did not run; each segment labelled with its count."""
    longest = max((len(area) for area in areas), default=10)
    label_w, bar_w, row_h, top = max(170, longest * _CHAR_W + 20), 420, 26, 34
    legend_w = sum(_text_width(LABELS[v], 12) + 16 for v in COLOURS)
    width = max(label_w + bar_w + 60, label_w + legend_w)
    height = top + row_h * max(len(areas), 1) + 10
    most = max((sum(c.values()) for c in areas.values()), default=0)
    parts = [
        f'<svg class="chart" id="chart-areas" role="img" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        "<title>Contracts by area: passed, failed, warned, not exercised, not run</title>",
    ]
    x = label_w
    for verdict, colour in COLOURS.items():
        parts.append(f'<rect x="{x}" y="8" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="18" font-size="12">{LABELS[verdict]}</text>')
        x += _text_width(LABELS[verdict], 12) + 16
    if not areas:
        parts.append(f'<text x="10" y="{top + 16}" font-size="13">no contract in this run</text>')
    for row, (area, counts) in enumerate(areas.items()):
        y = top + row * row_h
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 16}" font-size="13" text-anchor="end">'
            f"{escape(area)}</text>"
        )
        x = label_w
        for verdict, colour in COLOURS.items():
            count = counts.get(verdict, 0)
            if not count:
                continue
            w = _scaled(Decimal(count), Decimal(most), bar_w)
            parts.append(
                f'<rect class="bar bar-{verdict}" x="{x}" y="{y + 3}" width="{w}" '
                f'height="{row_h - 8}" '
                f'fill="{colour}"><title>{escape(area)}: {count} {LABELS[verdict]}</title></rect>'
            )
            if w >= 14:  # the count inside its segment, where it fits
                parts.append(
                    f'<text class="bar-value" x="{x + w / 2}" y="{y + 16}" font-size="11" '
                    f'fill="#fff" text-anchor="middle">{count}</text>'
                )
            x += w
        total = sum(counts.values())
        parts.append(f'<text x="{x + 6}" y="{y + 16}" font-size="12">{total}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _amount(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def expiration_chart(row: dict[str, Any], index: int) -> str:
    """Vertical bars for one asset of the expiration schedule: value expiring per bucket, and the
    three out-of-window figures (before the window, after it, never)."""
    bars: list[tuple[str, Decimal, str]] = []
    for bucket in row.get("buckets") or []:
        start = str(bucket.get("bucket_start", ""))[:10]
        bars.append((start, _amount(bucket.get("amount")), f"{bucket.get('lot_count', 0)} lots"))
    bars.append(("before", _amount(row.get("expiring_before_window")), "expired before window"))
    bars.append(("after", _amount(row.get("expiring_after_window")), "expiring after window"))
    bars.append(("never", _amount(row.get("never_expiring")), "never expiring"))
    bar_w, gap, plot_h, top, left = 44, 10, 160, 44, 40
    name = f"{row.get('asset_name', '')} ({row.get('asset_symbol', '')})"
    title = f"{name} — total outstanding {row.get('total_outstanding', '')}"
    width = max(left + len(bars) * (bar_w + gap) + 20, _text_width(title) + 10)
    height = top + plot_h + 60
    most = max((amount for _, amount, _ in bars), default=Decimal(0))
    parts = [
        f'<svg class="chart chart-expiration" id="chart-expiration-{index}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        f"<title>Expiration schedule of {escape(name)}</title>",
        f'<text x="10" y="18" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" '
        f'stroke="#555"/>',
    ]
    for i, (label, amount, note) in enumerate(bars):
        x = left + i * (bar_w + gap)
        h = _scaled(amount, most, plot_h)
        colour = "#1565c0" if i < len(bars) - 3 else "#78909c"
        parts.append(
            f'<rect class="bar" x="{x}" y="{top + plot_h - h}" width="{bar_w}" height="{h}" '
            f'fill="{colour}"><title>{escape(label)}: {escape(str(amount))} ({escape(note)})'
            f"</title></rect>"
        )
        parts.append(
            f'<text class="bar-value" x="{x + bar_w / 2}" y="{top + plot_h - h - 4}" '
            f'font-size="10" text-anchor="middle">{escape(_short(amount))}</text>'
        )
        parts.append(
            f'<text x="{x + bar_w / 2}" y="{top + plot_h + 14}" font-size="10" '
            f'text-anchor="end" transform="rotate(-45 {x + bar_w / 2} {top + plot_h + 14})">'
            f"{escape(label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _short(amount: Decimal) -> str:
    """An amount short enough to sit above a bar: 1234567.50 -> 1.2M, 12345 -> 12.3k."""
    steps = ((10**9, 10**9, "G"), (10**6, 10**6, "M"), (10**4, 10**3, "k"))
    for limit, unit, suffix in steps:
        if abs(amount) >= limit:
            return f"{(amount / unit).quantize(Decimal('0.1'))}{suffix}"
    return f"{amount:f}"
