"""The liability report (LIABILITY-*) and its agreement with balances and the schedule."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from scrip_conformance.invariants import amounts
from scrip_conformance.invariants._common import show, violation
from scrip_conformance.violations import Violation

BUCKET_ORDER = {"AVAILABLE": 0, "HELD": 1, "DEFERRED": 2}


def check_page(rows: Sequence[Any], by_bucket: bool) -> list[Violation]:
    """LIABILITY-ROWS-WELL-FORMED: balances at the row's scale, ``bucket`` set exactly when
    ``by_bucket``, rows ordered by asset_id, program_id, bucket."""
    found = []
    keys = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        subject = f"asset {row.get('asset_id')}, program {row.get('program_id')}"
        scale = row.get("scale")
        if isinstance(scale, int) and not amounts.is_at_scale(
            row.get("balance"), scale, signed=True
        ):
            found.append(
                violation(
                    "LIABILITY-ROWS-WELL-FORMED",
                    "liability balance is not at the row's scale",
                    f"a decimal string with exactly {scale} fraction digits",
                    f"balance = {show(row.get('balance'))}",
                    subject,
                )
            )
        bucket = row.get("bucket")
        if (bucket is None) == by_bucket:
            found.append(
                violation(
                    "LIABILITY-ROWS-WELL-FORMED",
                    "liability row bucket does not fit by_bucket",
                    "AVAILABLE, HELD or DEFERRED with by_bucket=true; null otherwise",
                    f"bucket = {show(bucket)} with by_bucket={str(by_bucket).lower()}",
                    subject,
                )
            )
        order = BUCKET_ORDER.get(bucket, -1) if isinstance(bucket, str) else -1
        keys.append((str(row.get("asset_id")), str(row.get("program_id")), order))
    if keys != sorted(keys) or len(set(keys)) != len(keys):
        found.append(
            violation(
                "LIABILITY-ROWS-WELL-FORMED",
                "liability rows out of order or repeated",
                "one row per asset, program (and bucket), ordered by asset_id, program_id, bucket",
                show(keys[:6]),
            )
        )
    return found


def totals_by_asset_bucket(rows: Sequence[dict]) -> dict[tuple[str, str | None], Decimal]:
    """Sum of balance per (asset_id, bucket) over programs."""
    totals: dict[tuple[str, str | None], Decimal] = defaultdict(Decimal)
    for row in rows:
        bucket = row.get("bucket")
        key = (str(row.get("asset_id")), None if bucket is None else str(bucket))
        totals[key] += amounts.parse(row.get("balance")) or 0
    return dict(totals)


def check_bucket_rows_sum(
    plain_rows: Sequence[dict], bucket_rows: Sequence[dict]
) -> list[Violation]:
    """LIABILITY-BUCKET-ROWS-SUM: per asset and program, the three bucket rows sum to the row
    without buckets."""
    split: dict[tuple, Decimal] = defaultdict(Decimal)
    for row in bucket_rows:
        split[(row.get("asset_id"), row.get("program_id"))] += (
            amounts.parse(row.get("balance")) or 0
        )
    plain = {
        (row.get("asset_id"), row.get("program_id")): amounts.parse(row.get("balance"))
        or Decimal(0)
        for row in plain_rows
    }
    found = []
    for key in sorted(set(split) | set(plain), key=str):
        if split.get(key, Decimal(0)) != plain.get(key, Decimal(0)):
            found.append(
                violation(
                    "LIABILITY-BUCKET-ROWS-SUM",
                    "bucket rows do not sum to the total row",
                    f"balance = {split.get(key, Decimal(0))} (AVAILABLE + HELD + DEFERRED rows)",
                    f"balance = {plain.get(key, 'no row')}",
                    f"asset {key[0]}, program {key[1]}",
                )
            )
    return found


def check_equals_balance_sums(
    bucket_rows: Sequence[dict], balance_sums: Mapping[tuple[str, str], Decimal]
) -> list[Violation]:
    """LIABILITY-EQUALS-BALANCE-SUMS: per asset and bucket, the report (summed over programs)
    equals the sum of every participant's balance. ``balance_sums`` maps (asset_id, BUCKET)."""
    reported = totals_by_asset_bucket(bucket_rows)
    found = []
    for asset_id, bucket in sorted(set(reported) | set(balance_sums), key=str):
        if bucket is None:  # a row without buckets has no participant-side sum to compare
            continue
        key = (asset_id, bucket)
        if reported.get(key, Decimal(0)) != balance_sums.get(key, Decimal(0)):
            found.append(
                violation(
                    "LIABILITY-EQUALS-BALANCE-SUMS",
                    f"liability {bucket} differs from the participants' balances",
                    f"{balance_sums.get(key, Decimal(0))} (sum over every participant)",
                    f"{reported.get(key, Decimal(0))} (sum of the report's rows)",
                    f"asset {asset_id}",
                )
            )
    return found


def check_schedule_agrees(
    schedule_row: dict,
    bucket_rows: Sequence[dict],
    *,
    overdraft_possible: bool,
    expired_sums: Sequence[Decimal] = (Decimal(0),),
) -> list[Violation]:
    """SCHEDULE-AGREES-WITH-LIABILITY: an asset's total_outstanding equals its liability
    (AVAILABLE + HELD + DEFERRED over programs); it may exceed it only by overdrafts, which the
    liability report nets and the schedule does not count.

    ``expired_sums`` allows for lots expiring between the two reports (the schedule row read
    first, the asset's liability rows all from one later page): the remaining expired at each
    possible moment, increasing from 0 (``schedule.expiry_prefix_sums``). Lots expired by the
    schedule's moment are in neither figure; those expiring between the two are in the
    schedule only: total_outstanding - liability must be ``expired_sums[b] - expired_sums[a]``
    for some a <= b. (Maturity moves value from DEFERRED to AVAILABLE, both counted here.)"""
    asset_id = schedule_row.get("asset_id")
    liability = sum(
        (
            amounts.parse(r.get("balance")) or Decimal(0)
            for r in bucket_rows
            if r.get("asset_id") == asset_id
        ),
        Decimal(0),
    )
    total = amounts.parse(schedule_row.get("total_outstanding"))
    if total is None or total == liability or (overdraft_possible and total > liability):
        return []
    difference = total - liability
    allowed = set(expired_sums)
    if difference > 0 and any(start + difference in allowed for start in expired_sums):
        return []
    relation = ">=" if overdraft_possible else "=="
    return [
        violation(
            "SCHEDULE-AGREES-WITH-LIABILITY",
            "total_outstanding disagrees with the liability report",
            f"total_outstanding {relation} {liability} (the asset's liability, all buckets)"
            + (
                f", or more by the remaining of lots expiring in between ({len(expired_sums) - 1}"
                " expiry instants allowed for)"
                if len(expired_sums) > 1
                else ""
            ),
            f"total_outstanding = {schedule_row.get('total_outstanding')}",
            f"asset {asset_id}",
        )
    ]
