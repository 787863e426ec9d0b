"""Fetch the target's expiration schedule for the HTML report's chart (a read-only GET).

The window is the current UTC month plus the next eleven, by month. Any trouble gives a note in
the report instead of a chart; it never changes the verdict.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import httpx

MAX_PAGES = 5


@dataclass
class Schedule:
    window_from: str
    window_to: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""


def _window(now: dt.datetime) -> tuple[str, str]:
    start = now.astimezone(dt.UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    year, month = start.year + (start.month + 11 - 1) // 12, (start.month + 11 - 1) % 12 + 1
    end = start.replace(year=year, month=month)
    end_of_window = (end + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(seconds=1)
    return start.strftime("%Y-%m-%dT%H:%M:%SZ"), end_of_window.strftime("%Y-%m-%dT%H:%M:%SZ")


def fetch_schedule(
    base_url: str, api_key: str, timeout: float = 10.0, now: dt.datetime | None = None
) -> Schedule:
    window_from, window_to = _window(now or dt.datetime.now(dt.UTC))
    schedule = Schedule(window_from, window_to)
    params: dict[str, Any] = {
        "from": window_from,
        "to": window_to,
        "granularity": "month",
        "limit": 200,
    }
    url = base_url.rstrip("/") + "/v1/reports/expiration-schedule"
    try:
        with httpx.Client(timeout=timeout, headers={"X-API-Key": api_key}) as client:
            for _ in range(MAX_PAGES):
                response = client.get(url, params=params)
                if response.status_code != 200:
                    schedule.error = (
                        f"GET /v1/reports/expiration-schedule answered {response.status_code}"
                    )
                    return schedule
                body = response.json()
                data = body.get("data") if isinstance(body, dict) else None
                if not isinstance(data, list):
                    schedule.error = "the expiration schedule has no data list"
                    return schedule
                schedule.rows += [row for row in data if isinstance(row, dict)]
                pagination = body.get("pagination") or {}
                if not pagination.get("has_more") or not pagination.get("next_cursor"):
                    break
                params["cursor"] = pagination["next_cursor"]
    except (httpx.HTTPError, ValueError) as exc:
        schedule.error = f"could not fetch the expiration schedule ({type(exc).__name__})"
    return schedule
