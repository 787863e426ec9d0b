"""One exchange (a request the suite sent and the answer it got) as a HAR 1.2 entry: pure data,
no I/O. The keys are out before anything is built: secret headers (``X-API-Key``,
``Authorization``, ...) become ``[REDACTED]`` and every text is scrubbed of the run's keys, whole
or in part. A body longer than the cap is cut, and the entry says so (``comment`` and
``_truncated``). HAR allows custom fields that start with ``_``: ``_id`` is the exchange's id,
``_key`` which of the run's keys it carried, ``_error`` why no answer came.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from scrip_conformance import __version__
from scrip_conformance.curl import REDACTED, SECRET_HEADERS
from scrip_conformance.safety import keys

HAR_VERSION = "1.2"
BODY_CAP = 64 * 1024
"""Characters of one body kept in the HAR (request or response); the rest is cut, noted."""
HAR_NAME = "exchanges.har"
SCHEMA_PATH = Path(__file__).with_name("har.schema.json")
"""HAR 1.2 as a JSON Schema, written from the format's specification (the tests check every HAR
the suite writes against it)."""

KEY_ROLES = ("api_key", "second_org_key", "none", "other")
"""Which key a request carried: the target's, the second organization's, none, or another (a
made-up wrong key a contract sends). The HAR never holds the key itself."""


@dataclass
class Exchange:
    """What the recorder is told of one exchange (texts not yet capped nor scrubbed; the
    response text may be scrubbed already)."""

    exchange_id: str
    method: str
    url: str
    request_headers: Mapping[str, str]
    request_body: str | None
    started: datetime
    finished: datetime
    status: int | None = None
    response_headers: Mapping[str, str] = field(default_factory=dict)
    response_text: str = ""
    response_size: int | None = None
    """Bytes of the answer as read (None: the length of ``response_text``)."""
    problem: str = ""
    """Why the answer is incomplete (larger than the run's cap) or absent (no answer)."""
    key_role: str = "none"
    response_scrubbed: bool = False


def creator() -> dict[str, str]:
    return {"name": "scrip-conformance", "version": __version__}


def _records(pairs: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in pairs]


def _header_value(name: str, value: str) -> str:
    return REDACTED if name.lower() in SECRET_HEADERS else keys.scrub(value)


def _cap(text: str, what: str, notes: list[str], truncated: dict[str, Any]) -> str:
    if len(text) <= BODY_CAP:
        return text
    truncated[what] = {"size": len(text), "kept": BODY_CAP}
    notes.append(f"{what} body cut to its first {BODY_CAP} of {len(text)} characters")
    return text[:BODY_CAP]


def _mime(headers: Mapping[str, str]) -> str:
    for name, value in headers.items():
        if name.lower() == "content-type":
            return value
    return ""


def entry(exchange: Exchange) -> dict[str, Any]:
    """The HAR 1.2 entry of ``exchange``: keys redacted, bodies capped (and the cap noted)."""
    notes: list[str] = []
    truncated: dict[str, Any] = {}
    url = keys.scrub(exchange.url)
    query = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    request: dict[str, Any] = {
        "method": exchange.method,
        "url": url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _records(
            (name, _header_value(name, value)) for name, value in exchange.request_headers.items()
        ),
        "queryString": _records(query),
        "headersSize": -1,
        "bodySize": 0,
    }
    if exchange.request_body is not None:
        body = keys.scrub(exchange.request_body)
        request["bodySize"] = len(body.encode("utf-8", errors="replace"))
        request["postData"] = {
            "mimeType": _mime(exchange.request_headers) or "application/json",
            "text": _cap(body, "request", notes, truncated),
        }
    text = (
        exchange.response_text if exchange.response_scrubbed else keys.scrub(exchange.response_text)
    )
    size = exchange.response_size if exchange.response_size is not None else len(text)
    headers = {name: keys.scrub(value) for name, value in exchange.response_headers.items()}
    content: dict[str, Any] = {"size": size, "mimeType": _mime(headers)}
    if exchange.status is not None:
        content["text"] = _cap(text, "response", notes, truncated)
    if exchange.problem and exchange.status is not None:
        notes.append(keys.scrub(exchange.problem))
        truncated.setdefault("response", {"size": size, "kept": len(content.get("text", ""))})
    response: dict[str, Any] = {
        "status": exchange.status or 0,
        "statusText": "",
        "httpVersion": "HTTP/1.1" if exchange.status is not None else "",
        "cookies": [],
        "headers": _records(headers.items()),
        "content": content,
        "redirectURL": "",
        "headersSize": -1,
        "bodySize": size if exchange.status is not None else -1,
    }
    elapsed = max((exchange.finished - exchange.started).total_seconds() * 1000, 0.0)
    out: dict[str, Any] = {
        "_id": exchange.exchange_id,
        "_key": exchange.key_role,
        "startedDateTime": exchange.started.isoformat(timespec="milliseconds"),
        "time": round(elapsed, 3),
        "request": request,
        "response": response,
        "cache": {},
        "timings": {"send": 0, "wait": round(elapsed, 3), "receive": 0},
    }
    if exchange.status is None:
        out["_error"] = keys.scrub(exchange.problem) or "no answer"
        notes.append("no answer: " + out["_error"].splitlines()[0])
    if truncated:
        out["_truncated"] = truncated
    if notes:
        out["comment"] = "; ".join(notes)
    return out


def preamble(comment: str = "") -> str:
    """The start of a HAR document, up to the opening of its entries array (one entry a line
    follows, then :data:`POSTSCRIPT`)."""
    log: dict[str, Any] = {"version": HAR_VERSION, "creator": creator()}
    if comment:
        log["comment"] = comment
    fields = "".join(f"  {json.dumps(k)}: {json.dumps(v)},\n" for k, v in log.items())
    return '{\n "log": {\n' + fields + '  "entries": [\n'


POSTSCRIPT = "\n  ]\n }\n}\n"


def find_entries(document: Mapping[str, Any], ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The entries of a HAR ``document`` with these ``_id``s, by id."""
    wanted = set(ids)
    found: dict[str, dict[str, Any]] = {}
    for item in document.get("log", {}).get("entries", []):
        if isinstance(item, dict) and item.get("_id") in wanted:
            found[item["_id"]] = item
    return found


class NotAHar(ValueError):
    """A file that is not a HAR document (or not one this suite can read)."""


def read_entries(path: Path, ids: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """The entries of the HAR file at ``path`` with these ``_id``s (every entry with an ``_id``
    when ``ids`` is None), by id. The suite's own HARs hold one entry a line, so only the lines
    of the wanted entries are parsed; any other HAR is read whole."""
    wanted = None if ids is None else set(ids)
    found: dict[str, dict[str, Any]] = {}
    try:
        with path.open(encoding="utf-8") as lines:
            head = lines.readline()
            if not head.startswith("{"):
                raise NotAHar(f"{path} is not a HAR file")
            for line in lines:
                text = line.rstrip().rstrip(",")
                if not text.startswith('{"_id":"x'):
                    continue
                exchange_id = text[8 : text.index('"', 8)]
                if wanted is None or exchange_id in wanted:
                    found[exchange_id] = json.loads(text)
    except (json.JSONDecodeError, ValueError, UnicodeDecodeError) as exc:
        if isinstance(exc, NotAHar):
            raise
        raise NotAHar(f"{path} is not a readable HAR file: {exc}") from None
    if found or wanted == set():
        return found
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NotAHar(f"{path} is not a readable HAR file: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("log"), dict):
        raise NotAHar(f"{path} has no HAR log")
    if wanted is None:
        entries = document["log"].get("entries", [])
        return {e["_id"]: e for e in entries if isinstance(e, dict) and "_id" in e}
    return find_entries(document, wanted)
