"""The expiration schedule (SCHEDULE-*): exact sums, calendar buckets, recomputation, relations.

The spec's decisions: buckets are whole UTC periods (day, ISO week, month) overlapping
``[from, to]``, half-open, sorted, only with ``lot_count >= 1``; an outstanding lot (AVAILABLE,
HELD or DEFERRED with remaining > 0) with expiry E goes before the window when E < from, into the
bucket containing E when from <= E <= to, after the window when E > to, and to
``never_expiring`` without an expiry.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from scrip_conformance.invariants import amounts, timestamps
from scrip_conformance.invariants._common import show, violation
from scrip_conformance.invariants.lots import is_outstanding, remaining_of
from scrip_conformance.violations import Violation

FIGURES = ("never_expiring", "expiring_before_window", "expiring_after_window", "total_outstanding")


def _subject(row: Any) -> str:
    return f"asset {row.get('asset_id')}" if isinstance(row, dict) else ""


def _dec(text: Any) -> Decimal | None:
    return amounts.parse(text)


def check_row(
    row: Any,
    *,
    window_from: datetime | None,
    window_to: datetime | None,
    granularity: str = "month",
    asset_scale: int | None = None,
) -> list[Violation]:
    """Every contract one schedule row can be judged on by itself."""
    if not isinstance(row, dict):
        return []
    subject = _subject(row)
    scale = row.get("scale")
    found: list[Violation] = []
    if asset_scale is not None and scale != asset_scale:
        found.append(
            violation(
                "SCHEDULE-AMOUNTS-AT-SCALE",
                "schedule scale differs from the asset's scale",
                f"scale = {asset_scale}",
                f"scale = {show(scale)}",
                subject,
            )
        )
    raw_buckets = row.get("buckets")
    buckets = raw_buckets if isinstance(raw_buckets, list) else []
    if isinstance(scale, int):
        texts = [(name, row.get(name)) for name in FIGURES] + [
            (f"buckets[{i}].amount", b.get("amount"))
            for i, b in enumerate(buckets)
            if isinstance(b, dict)
        ]
        for name, text in texts:
            if not amounts.is_at_scale(text, scale):
                found.append(
                    violation(
                        "SCHEDULE-AMOUNTS-AT-SCALE",
                        f"schedule {name} is not at the row's scale",
                        f"a non-negative decimal string with exactly {scale} fraction digits",
                        f"{name} = {show(text)}",
                        subject,
                    )
                )
    found += check_sums_exactly(row)
    found += check_buckets(buckets, window_from, window_to, granularity, scale, subject)
    return found


def check_sums_exactly(row: dict) -> list[Violation]:
    """SCHEDULE-SUMS-EXACTLY: buckets + never + before + after == total_outstanding."""
    maybe_parts = [_dec(row.get(n)) for n in FIGURES[:3]]
    maybe_buckets = [_dec(b.get("amount")) for b in row.get("buckets") or [] if isinstance(b, dict)]
    total = _dec(row.get("total_outstanding"))
    parts = [p for p in maybe_parts if p is not None]
    bucket_amounts = [a for a in maybe_buckets if a is not None]
    if total is None or len(parts) != len(maybe_parts) or len(bucket_amounts) != len(maybe_buckets):
        return []  # a figure that is not an amount is another contract's finding
    computed = sum(parts, Decimal(0)) + sum(bucket_amounts, Decimal(0))
    if computed == total:
        return []
    return [
        violation(
            "SCHEDULE-SUMS-EXACTLY",
            "buckets and out-of-window figures do not sum to total_outstanding",
            f"total_outstanding = {computed} (buckets {sum(bucket_amounts, Decimal(0))} + "
            f"never {row.get('never_expiring')} + before {row.get('expiring_before_window')} + "
            f"after {row.get('expiring_after_window')})",
            f"total_outstanding = {row.get('total_outstanding')}",
            _subject(row),
        )
    ]


def check_buckets(
    buckets: Sequence[Any],
    window_from: datetime | None,
    window_to: datetime | None,
    granularity: str,
    scale: Any,
    subject: str = "",
) -> list[Violation]:
    """Calendar alignment, order, window and lot_count of a row's buckets."""
    found: list[Violation] = []
    previous_end: datetime | None = None
    for index, bucket in enumerate(buckets):
        if not isinstance(bucket, dict):
            continue
        where = f"{subject}, bucket {bucket.get('bucket_start')}"
        start = timestamps.parse(bucket.get("bucket_start"))
        end = timestamps.parse(bucket.get("bucket_end"))
        if start is None or end is None:
            continue
        if granularity in timestamps.GRANULARITIES:
            aligned = timestamps.period_start(start, granularity) == start
            if not aligned or end != timestamps.next_period(start, granularity):
                expected_start = timestamps.period_start(start, granularity)
                expected_end = timestamps.next_period(expected_start, granularity)
                found.append(
                    violation(
                        "SCHEDULE-BUCKETS-CALENDAR-ALIGNED",
                        f"bucket is not one whole UTC {granularity}",
                        f"[{timestamps.format_z(expected_start)}, "
                        f"{timestamps.format_z(expected_end)})",
                        f"[{bucket.get('bucket_start')}, {bucket.get('bucket_end')})",
                        where,
                    )
                )
        if previous_end is not None and start < previous_end:
            found.append(
                violation(
                    "SCHEDULE-BUCKETS-SORTED-DISJOINT",
                    "buckets overlap or are out of order",
                    f"bucket #{index} starting at or after {timestamps.format_z(previous_end)}",
                    f"bucket_start = {bucket.get('bucket_start')}",
                    where,
                )
            )
        previous_end = end if previous_end is None else max(previous_end, end)
        if (
            window_from is not None
            and window_to is not None
            and (end <= window_from or start > window_to)
        ):
            found.append(
                violation(
                    "SCHEDULE-BUCKETS-WITHIN-WINDOW",
                    "bucket lies outside the requested window",
                    f"buckets overlapping [{timestamps.format_z(window_from)}, "
                    f"{timestamps.format_z(window_to)}]",
                    f"[{bucket.get('bucket_start')}, {bucket.get('bucket_end')})",
                    where,
                )
            )
        count, amount = bucket.get("lot_count"), _dec(bucket.get("amount"))
        if isinstance(count, int) and amount is not None and isinstance(scale, int):
            if count < 1 or amount < amounts.minor_unit(scale) * count:
                found.append(
                    violation(
                        "SCHEDULE-LOT-COUNT-CONSISTENT",
                        "bucket lot_count does not fit its amount",
                        "lot_count >= 1 and amount >= lot_count minor units (each counted lot "
                        "holds something)",
                        f"lot_count = {count}, amount = {bucket.get('amount')}",
                        where,
                    )
                )
    return found


@dataclass
class Expected:
    """A schedule row recomputed from lots: figures and buckets keyed by bucket start."""

    never_expiring: Decimal = Decimal(0)
    expiring_before_window: Decimal = Decimal(0)
    expiring_after_window: Decimal = Decimal(0)
    total_outstanding: Decimal = Decimal(0)
    buckets: dict[datetime, list] = field(default_factory=dict)  # start -> [amount, count]


def recompute(
    lots: Iterable[dict], window_from: datetime, window_to: datetime, granularity: str
) -> Expected:
    """What the schedule of these lots must say for the window (the spec's classification)."""
    expected = Expected()
    for lot in lots:
        if not is_outstanding(lot):
            continue
        remaining = remaining_of(lot)
        expected.total_outstanding += remaining
        expires = timestamps.parse(lot.get("expires_at"))
        if expires is None:
            expected.never_expiring += remaining
        elif expires < window_from:
            expected.expiring_before_window += remaining
        elif expires > window_to:
            expected.expiring_after_window += remaining
        else:
            start = timestamps.period_start(expires, granularity)
            entry = expected.buckets.setdefault(start, [Decimal(0), 0])
            entry[0] += remaining
            entry[1] += 1
    return expected


class ExpiryFold:
    """The outstanding lots of one asset folded by expiry, lot by lot, into what recomputing
    the schedule needs for any window whose bounds were given in advance: exact totals, the
    amounts and counts per UTC day, and per exact instant on the days holding a bound.

    A day without a bound lies wholly before, inside or after any such window, and inside one
    period of any granularity (periods are whole UTC days), so its lots need not be told apart.
    """

    def __init__(self, bounds: Iterable[datetime | None]):
        self.bound_days = {b.astimezone(UTC).date() for b in bounds if b is not None}
        self.total = Decimal(0)
        self.never = Decimal(0)
        self.days: dict[date, list] = {}  # day -> [amount, count]
        self.exact: dict[datetime, list] = {}  # instant on a bound's day -> [amount, count]

    def add(self, lot: Any) -> None:
        """Fold one lot (anything but an outstanding lot is ignored)."""
        if not isinstance(lot, dict) or not is_outstanding(lot):
            return
        remaining = remaining_of(lot)
        self.total += remaining
        expires = timestamps.parse(lot.get("expires_at"))
        if expires is None:
            self.never += remaining
            return
        day = expires.date()  # parse gives UTC
        entry = (
            self.exact.setdefault(expires, [Decimal(0), 0])
            if day in self.bound_days
            else self.days.setdefault(day, [Decimal(0), 0])
        )
        entry[0] += remaining
        entry[1] += 1

    def expected(self, window_from: datetime, window_to: datetime, granularity: str) -> Expected:
        """What :func:`recompute` gives for every lot folded (the bounds must be known ones)."""
        if not {window_from.astimezone(UTC).date(), window_to.astimezone(UTC).date()} <= (
            self.bound_days
        ):
            raise ValueError("the window's bounds were not given to the fold")
        expected = Expected(never_expiring=self.never, total_outstanding=self.total)
        moments = [
            (datetime.combine(day, time(), UTC), entry) for day, entry in self.days.items()
        ] + list(self.exact.items())
        for moment, (amount, count) in moments:
            if moment < window_from:
                expected.expiring_before_window += amount
            elif moment > window_to:
                expected.expiring_after_window += amount
            else:
                start = timestamps.period_start(moment, granularity)
                entry = expected.buckets.setdefault(start, [Decimal(0), 0])
                entry[0] += amount
                entry[1] += count
        return expected


def compare_to_expected(row: dict, expected: Expected, scale: int) -> list[Violation]:
    """SCHEDULE-RECOMPUTED-FROM-LOTS: figure by figure, bucket by bucket."""
    observed, want = _figures_of_row(row), _figures_of_expected(expected)
    return _differences(row, observed, want, set(observed) | set(want), scale, "")


@dataclass(frozen=True)
class UnstableLot:
    """An outstanding lot (as walked) whose expiry may pass while the run reads the reports."""

    expires_at: datetime
    remaining: Decimal
    lot_id: str = ""


# beyond this many unstable lots in one asset the allowance is not attempted (the contract is
# then not run for that asset); the check is linear in them, the bound only caps the work
MAX_UNSTABLE_LOTS = 5000


def expiry_prefix_sums(unstable: Iterable[UnstableLot]) -> list[Decimal]:
    """The remaining that has expired at each moment a report can be computed: the lots that
    expired by then are those with ``expires_at`` at or before it, a prefix of the lots sorted
    by expiry that never splits lots of one instant. Strictly increasing, starting at 0."""
    ordered = sorted(unstable, key=lambda lot: lot.expires_at)
    sums, total = [Decimal(0)], Decimal(0)
    for index, lot in enumerate(ordered):
        total += lot.remaining
        last = index + 1 == len(ordered)
        if last or ordered[index + 1].expires_at != lot.expires_at:
            sums.append(total)
    return sums


def compare_allowing_expiry(
    row: dict,
    expected: Expected,
    unstable: Sequence[UnstableLot],
    window_from: datetime,
    window_to: datetime,
    granularity: str,
    scale: int,
) -> list[Violation]:
    """SCHEDULE-RECOMPUTED-FROM-LOTS with lots expiring during the run allowed for, exactly.

    ``expected`` is recomputed from every lot as walked (the ``unstable`` ones outstanding);
    when the server computed ``row``, the unstable lots expiring at or before its moment had
    expired: gone from their figure (bucket, before or after the window) and from
    total_outstanding alike. Every figure no unstable lot touches must match ``expected``; the
    touched ones must all match for one such prefix (k + 1 candidates at most, tried in turn).
    """
    if not unstable:
        return compare_to_expected(row, expected, scale)
    if len(unstable) > MAX_UNSTABLE_LOTS:
        raise ValueError(f"more than {MAX_UNSTABLE_LOTS} unstable lots")
    ordered = sorted(unstable, key=lambda lot: lot.expires_at)
    observed, want = _figures_of_row(row), _figures_of_expected(expected)
    keys = [_figure_key(lot.expires_at, window_from, window_to, granularity) for lot in ordered]
    touched = set(keys) | {"total_outstanding"}
    found = _differences(row, observed, want, (set(observed) | set(want)) - touched, scale, "")
    current = {key: list(want.get(key, (Decimal(0), 0))) for key in touched}
    # the touched figures that differ for the current prefix, updated lot by lot (linear)
    wrong = {key for key in touched if not _same(observed.get(key), current[key], key)}
    best: tuple[int, int, dict] | None = None  # (mismatches, expired lots, figures)
    for index in range(len(ordered) + 1):
        if (
            index == len(ordered)
            or index == 0
            or ordered[index].expires_at != ordered[index - 1].expires_at
        ):
            if not wrong:
                return found
            if best is None or len(wrong) < best[0]:
                best = (len(wrong), index, {k: list(v) for k, v in current.items()})
        if index < len(ordered):
            lot = ordered[index]
            for key in (keys[index], "total_outstanding"):
                current[key][0] -= lot.remaining
                if not isinstance(key, str):  # a bucket: one lot fewer
                    current[key][1] -= 1
                if _same(observed.get(key), current[key], key):
                    wrong.discard(key)
                else:
                    wrong.add(key)
    assert best is not None
    _, expired, figures = best
    note = (
        f"; of the {len(ordered)} lot(s) whose expiry passes during the run, counting the "
        f"{expired} expiring first as expired, the closest of the {len(ordered) + 1} allowed"
    )
    want_best = {k: tuple(v) for k, v in figures.items()}
    return found + _differences(row, observed, want_best, touched, scale, note)


def _figure_key(
    expires: datetime, window_from: datetime, window_to: datetime, granularity: str
) -> Any:
    if expires < window_from:
        return "expiring_before_window"
    if expires > window_to:
        return "expiring_after_window"
    return timestamps.period_start(expires, granularity)


def _figures_of_row(row: dict) -> dict[Any, tuple]:
    figures: dict[Any, tuple] = {name: (_dec(row.get(name)), None) for name in FIGURES}
    figures.update({start: tuple(entry) for start, entry in bucket_map(row).items()})
    return figures


def _figures_of_expected(expected: Expected) -> dict[Any, tuple]:
    figures: dict[Any, tuple] = {name: (getattr(expected, name), None) for name in FIGURES}
    figures.update({start: tuple(entry) for start, entry in expected.buckets.items()})
    return figures


def _same(seen: Any, want: Any, key: Any) -> bool:
    """A figure (name: amount only) or a bucket (amount and lot_count; none == empty)."""
    if isinstance(key, str):
        return seen is not None and want is not None and seen[0] == want[0]
    seen = (Decimal(0), 0) if seen is None else tuple(seen)
    want = (Decimal(0), 0) if want is None else tuple(want)
    return seen[0] == want[0] and seen[1] == want[1]


def _differences(
    row: dict, observed: dict, want: dict, keys: Iterable[Any], scale: int, note: str
) -> list[Violation]:
    subject = _subject(row)
    found = []
    names = [k for k in FIGURES if k in keys]
    starts = sorted(k for k in keys if not isinstance(k, str))
    for name in names:
        if not _same(observed.get(name), want.get(name), name):
            amount = want[name][0] if want.get(name) is not None else Decimal(0)
            found.append(
                violation(
                    "SCHEDULE-RECOMPUTED-FROM-LOTS",
                    f"{name} differs from the lots",
                    f"{name} = {amounts.render(amount, scale)} (recomputed from every lot{note})",
                    f"{name} = {row.get(name)}",
                    subject,
                )
            )
    for start in starts:
        if not _same(observed.get(start), want.get(start), start):
            wanted = want.get(start)
            seen = observed.get(start)
            found.append(
                violation(
                    "SCHEDULE-RECOMPUTED-FROM-LOTS",
                    "bucket differs from the lots",
                    _bucket_text(list(wanted) if wanted and any(wanted) else None, scale) + note,
                    _bucket_text(list(seen) if seen else None, scale),
                    f"{subject}, bucket {timestamps.format_z(start)}",
                )
            )
    return found


def _scale_or_zero(row: dict) -> int:
    """The row's scale for rendering amounts in a message (0 when the row has none)."""
    scale = row.get("scale")
    return scale if isinstance(scale, int) else 0


def _bucket_text(entry: list | None, scale: int) -> str:
    if entry is None:
        return "no bucket"
    return f"amount {amounts.render(entry[0], scale)}, lot_count {entry[1]}"


def bucket_map(row: dict) -> dict[datetime, list]:
    """A row's buckets as ``{start: [amount, lot_count]}``."""
    result: dict[datetime, list] = {}
    for bucket in row.get("buckets") or []:
        if not isinstance(bucket, dict):
            continue
        start = timestamps.parse(bucket.get("bucket_start"))
        amount = _dec(bucket.get("amount"))
        if start is not None and amount is not None:
            entry = result.setdefault(start, [Decimal(0), 0])
            entry[0] += amount
            entry[1] += bucket.get("lot_count") if isinstance(bucket.get("lot_count"), int) else 0
    return result


def check_granularities_agree(day_row: dict, coarse_row: dict, granularity: str) -> list[Violation]:
    """Day buckets grouped by week (or month) equal the week (or month) buckets of the same
    window, and the out-of-window figures are identical (SCHEDULE-GRANULARITIES-AGREE,
    SCHEDULE-WINDOW-FIGURES-AGREE)."""
    subject = _subject(coarse_row)
    found = []
    grouped: dict[datetime, list] = {}
    for start, (amount, count) in bucket_map(day_row).items():
        entry = grouped.setdefault(timestamps.period_start(start, granularity), [Decimal(0), 0])
        entry[0] += amount
        entry[1] += count
    coarse = bucket_map(coarse_row)
    scale = _scale_or_zero(coarse_row)
    for start in sorted(set(grouped) | set(coarse)):
        if grouped.get(start) != coarse.get(start):
            found.append(
                violation(
                    "SCHEDULE-GRANULARITIES-AGREE",
                    f"day buckets summed by {granularity} differ from the {granularity} bucket",
                    f"{_bucket_text(grouped.get(start), scale)} (sum of the day buckets)",
                    _bucket_text(coarse.get(start), scale),
                    f"{subject}, {granularity} starting {timestamps.format_z(start)}",
                )
            )
    for name in ("expiring_before_window", "expiring_after_window"):
        if _dec(day_row.get(name)) != _dec(coarse_row.get(name)):
            found.append(
                violation(
                    "SCHEDULE-WINDOW-FIGURES-AGREE",
                    f"{name} depends on the granularity",
                    f"{name} = {day_row.get(name)} (as with granularity=day)",
                    f"{name} = {coarse_row.get(name)} with granularity={granularity}",
                    subject,
                )
            )
    return found


def check_totals_invariant(rows: Sequence[tuple[str, dict]]) -> list[Violation]:
    """SCHEDULE-TOTAL-INVARIANT: total_outstanding and never_expiring do not depend on the
    window or the granularity. ``rows`` pairs a label (the query) with the row it gave."""
    if not rows:
        return []
    first_label, first = rows[0]
    found = []
    for label, row in rows[1:]:
        for name in ("total_outstanding", "never_expiring"):
            if _dec(row.get(name)) != _dec(first.get(name)):
                found.append(
                    violation(
                        "SCHEDULE-TOTAL-INVARIANT",
                        f"{name} changes with the window or granularity",
                        f"{name} = {first.get(name)} (as for {first_label})",
                        f"{name} = {row.get(name)} for {label}",
                        _subject(row),
                    )
                )
    return found


def check_edge_inclusive(
    row: dict, edge: datetime, known_lots: Sequence[dict], granularity: str
) -> list[Violation]:
    """SCHEDULE-WINDOW-EDGE-INCLUSIVE: with ``from == to == edge``, every outstanding lot expiring
    exactly at ``edge`` is in the bucket containing ``edge`` (the known lots give a lower bound)."""
    at_edge = [
        lot
        for lot in known_lots
        if is_outstanding(lot) and timestamps.parse(lot.get("expires_at")) == edge
    ]
    if not at_edge:
        return []
    want_amount = sum((remaining_of(lot) for lot in at_edge), Decimal(0))
    bucket = bucket_map(row).get(timestamps.period_start(edge, granularity), [Decimal(0), 0])
    if bucket[0] >= want_amount and bucket[1] >= len(at_edge):
        return []
    scale = _scale_or_zero(row)
    return [
        violation(
            "SCHEDULE-WINDOW-EDGE-INCLUSIVE",
            "a lot expiring exactly on the window's edge is not counted inside",
            f"at least {amounts.render(want_amount, scale)} in {len(at_edge)} lot(s) in the bucket "
            f"containing {timestamps.format_z(edge)} (from and to are inclusive)",
            f"{_bucket_text(bucket, scale)}; before {row.get('expiring_before_window')}, after "
            f"{row.get('expiring_after_window')}",
            _subject(row),
        )
    ]


def check_restricted(full: dict, restricted: dict, label: str, *, equal: bool) -> list[Violation]:
    """SCHEDULE-FILTERS-RESTRICT: a filtered row never exceeds the unfiltered one, figure by
    figure and bucket by bucket; ``equal`` when the filter cannot leave anything out."""
    subject = _subject(full)
    found = []
    pairs = [(name, _dec(full.get(name)), _dec(restricted.get(name))) for name in FIGURES]
    full_buckets, restricted_buckets = bucket_map(full), bucket_map(restricted)
    for start in sorted(set(full_buckets) | set(restricted_buckets)):
        pairs.append(
            (
                f"bucket {timestamps.format_z(start)}",
                full_buckets.get(start, [Decimal(0)])[0],
                restricted_buckets.get(start, [Decimal(0)])[0],
            )
        )
    for name, whole, part in pairs:
        if whole is None or part is None:
            continue
        if (equal and part != whole) or part > whole:
            found.append(
                violation(
                    "SCHEDULE-FILTERS-RESTRICT",
                    f"{label} does not restrict the schedule",
                    f"{name} {'=' if equal else '<='} {whole} (the unfiltered figure)",
                    f"{name} = {part} with {label}",
                    subject,
                )
            )
    return found
