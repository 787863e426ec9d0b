"""Fetch the target's expiration schedule for the HTML report's chart (a read-only GET).

The window is the current UTC month plus the next eleven, by month. Any trouble gives a note in
the report instead of a chart; it never changes the verdict.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from scrip_conformance.client import TargetClient, TargetError

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
    base_url: str,
    api_key: str,
    timeout: float = 10.0,
    now: dt.datetime | None = None,
    skip: bool = False,
) -> Schedule:
    """The chart's rows; ``skip`` (the target stopped answering) gives the note at once."""
    window_from, window_to = _window(now or dt.datetime.now(dt.UTC))
    schedule = Schedule(window_from, window_to)
    if skip:
        schedule.error = "the expiration schedule was not fetched: the run was cut short"
        return schedule
    params: dict[str, Any] = {
        "from": window_from,
        "to": window_to,
        "granularity": "month",
        "limit": 200,
    }
    try:
        with TargetClient(base_url, api_key, timeout=timeout, read_only=True) as client:
            for _ in range(MAX_PAGES):
                response = client.get("/v1/reports/expiration-schedule", params)
                if response.status_code != 200:
                    schedule.error = (
                        f"GET /v1/reports/expiration-schedule answered {response.status_code}"
                    )
                    return schedule
                body = response.body if response.is_json else None
                data = body.get("data") if isinstance(body, dict) else None
                if not isinstance(data, list):
                    why = response.problem or "the expiration schedule has no data list"
                    schedule.error = f"could not read the expiration schedule ({why})"
                    return schedule
                schedule.rows += [row for row in data if isinstance(row, dict)]
                pagination = body.get("pagination") if isinstance(body, dict) else None
                pagination = pagination if isinstance(pagination, dict) else {}
                if not pagination.get("has_more") or not pagination.get("next_cursor"):
                    break
                params["cursor"] = str(pagination["next_cursor"])[:1024]
    except TargetError as exc:
        schedule.error = f"could not fetch the expiration schedule ({str(exc).splitlines()[0]})"
    except Exception as exc:  # noqa: BLE001 - a chart must never cost the run its reports
        schedule.error = f"could not fetch the expiration schedule ({type(exc).__name__})"
    return schedule
