"""``scrip-conformance replay REPORT_DIR --finding ID``: re-send the recorded exchanges of one
finding (in order; writes only with ``--allow-writes``) to the target, or to another one with
``--base-url``, and re-apply the finding's check to the new answers, so a vendor confirms a fix
in seconds without a full run.

The key comes from where ``run`` takes it (``--api-key``, else the variable the config file's
``api_key_env`` names, else ``SCRIP_API_KEY``), never from the HAR, which holds none. Exit codes:
0 the check holds now, 1 it still fails, 2 usage error (no such report dir, finding or HAR, a
write without ``--allow-writes``, no key, a key the target rejects), 3 target unreachable,
4 inconclusive (the re-sent requests no longer reach what the finding was about), 5 the finding's
check cannot be re-applied from its exchanges alone.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from scrip_conformance.client import TargetClient, TargetError
from scrip_conformance.recording import har
from scrip_conformance.runner import config
from scrip_conformance.runner.replay_check import (
    EXIT_NOT_REPLAYABLE,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    Replayed,
    judge,
    not_replayable,
)
from scrip_conformance.runner.summary import SUMMARY_NAME, finding_by_id
from scrip_conformance.safety import keys, writes

HELP = "Re-send the recorded exchanges of one finding and re-apply its check (PASS / FAIL)."
KEY_ENV, SECOND_KEY_ENV = "SCRIP_API_KEY", "SCRIP_SECOND_ORG_KEY"
WRONG_KEY = "sk_replay_not_a_key_of_this_target"
"""Sent where the run sent a made-up wrong key (its exchanges hold ``_key: other``)."""
NOT_REPLAYED_HEADERS = frozenset(
    {"x-api-key", "authorization", "host", "content-length", "accept", "content-type",
     "accept-encoding", "connection", "user-agent", "cookie"}
)  # fmt: skip


class Refusal(Exception):
    """A usage problem: one line on stderr, exit 2 (or the code given)."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


EPILOG = """exit codes:
  0  PASS: the finding's check holds on every new answer
  1  FAIL: it still finds the finding's contract broken
  2  usage error: no such report dir, finding or exchanges.har; a write without --allow-writes;
     no key, or a key the target rejects
  3  the target is unreachable
  4  inconclusive: an answer the check judged is gone (a 404 where the run got a 200)
  5  the finding's check cannot be re-applied from its exchanges alone (use run --only)
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog, parser.formatter_class = EPILOG, argparse.RawDescriptionHelpFormatter
    parser.add_argument("report_dir", type=Path, metavar="REPORT_DIR", help="a run's report dir")
    parser.add_argument(
        "--finding",
        required=True,
        metavar="ID",
        help="the finding to replay (F001, ... as the console, summary.json and report.html "
        "name it)",
    )
    parser.add_argument(
        "--base-url", metavar="URL", help="send to this server (default: the run's target)"
    )
    parser.add_argument(
        "--api-key",
        metavar="KEY",
        help=f"the API key (or the variable api_key_env names, else {KEY_ENV})",
    )
    parser.add_argument(
        "--second-org-key",
        metavar="KEY",
        help=f"the second organization's key, for exchanges the run sent with it "
        f"(or {SECOND_KEY_ENV})",
    )
    parser.add_argument(
        "--allow-writes",
        action="store_true",
        help="re-send the finding's writes too (POST, PUT, ...); without it they are refused",
    )
    parser.add_argument(
        "--request-timeout", type=float, default=10.0, metavar="SECONDS", help="per request"
    )
    parser.add_argument("--config", type=Path, metavar="PATH", help="the config file run reads")
    parser.add_argument("--no-config", action="store_true", help="read no config file")


def execute(args: argparse.Namespace) -> int:
    try:
        return _replay(args)
    except Refusal as refusal:
        print(f"error: {keys.scrub(str(refusal))}", file=sys.stderr)
        return refusal.code


def _summary(report_dir: Path) -> dict[str, Any]:
    if not report_dir.is_dir():
        raise Refusal(f"no report dir {report_dir}")
    path = report_dir / SUMMARY_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        raise Refusal(f"no {SUMMARY_NAME} in {report_dir}: is it a run's report dir?") from None
    except ValueError:
        raise Refusal(f"{path} is not valid JSON") from None
    if not isinstance(data, dict):
        raise Refusal(f"{path} is not a run's summary")
    return data


def _finding(summary: dict[str, Any], finding_id: str, report_dir: Path) -> dict[str, Any]:
    found = finding_by_id(summary, finding_id)
    if found is not None:
        return found
    known = [f.get("id") for c in summary.get("contracts", []) for f in c.get("findings", [])]
    known += [f.get("id") for f in summary.get("unattributed_findings", [])]
    known = [k for k in known if k]
    listed = ", ".join(known[:10]) + (" ..." if len(known) > 10 else "") if known else "none"
    raise Refusal(
        f"no finding {finding_id} in {report_dir / SUMMARY_NAME} (its findings: {listed})"
    )


def _entries(report_dir: Path, ids: list[str]) -> list[dict[str, Any]]:
    path = report_dir / har.HAR_NAME
    if not path.is_file():
        raise Refusal(f"no {har.HAR_NAME} in {report_dir}: the run used --no-record")
    try:
        found = har.read_entries(path, ids)
    except har.NotAHar as exc:
        raise Refusal(str(exc)) from None
    missing = [x for x in ids if x not in found]
    if missing:
        raise Refusal(f"{path} lacks the exchange(s) {', '.join(missing)} the finding names")
    return [found[x] for x in ids]


def _config_file(args: argparse.Namespace) -> dict[str, Any]:
    try:
        found = config.find_config(args.config, Path.cwd(), skip=args.no_config)
    except config.ConfigError as exc:
        raise Refusal(str(exc)) from None
    return found.values if found is not None else {}


def _target(args: argparse.Namespace, summary: dict[str, Any], file: dict[str, Any]) -> str:
    if args.base_url:
        return str(args.base_url).rstrip("/")
    target = summary.get("target") or {}
    if target.get("embedded"):
        raise Refusal(
            "the run judged the embedded reference, which stopped with it: give --base-url"
        )
    url = target.get("base_url") or file.get("base_url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise Refusal("no target: give --base-url")
    return url.rstrip("/")


def _key(role: str, args: argparse.Namespace, file: dict[str, Any]) -> str | None:
    if role == "none":
        return None
    if role == "other":
        return WRONG_KEY
    if role == "second_org_key":
        env = str(file.get("second_org_key_env") or SECOND_KEY_ENV)
        key = args.second_org_key or os.environ.get(env)
        if not key:
            raise Refusal(
                f"the exchange was sent with the second key: pass --second-org-key or set {env}"
            )
        return str(key)
    env = str(file.get("api_key_env") or KEY_ENV)
    key = args.api_key or os.environ.get(env)
    if not key:
        raise Refusal(f"no API key: pass --api-key or set {env}")
    return str(key)


def _refuse_what_cannot_be_sent(entries: list[dict[str, Any]], allow_writes: bool) -> None:
    writes_named = [
        f"{e['_id']} {e['request']['method']} {urlsplit(e['request']['url']).path}"
        for e in entries
        if str(e["request"]["method"]).upper() != "GET"
    ]
    if writes_named and not allow_writes:
        raise Refusal(
            "the finding's exchanges include writes, not re-sent without --allow-writes: "
            + "; ".join(writes_named)
        )
    cut = [e["_id"] for e in entries if "request" in (e.get("_truncated") or {})]
    if cut:
        raise Refusal(
            f"the request body of {', '.join(cut)} was cut in the HAR: it cannot be re-sent"
        )


def _body(entry: dict[str, Any]) -> Any:
    post = entry["request"].get("postData")
    if not post:
        return None
    try:
        return json.loads(post.get("text", ""))
    except ValueError:
        raise Refusal(
            f"the request body of {entry['_id']} is not JSON: it cannot be re-sent"
        ) from None


def _resend(
    client: TargetClient, entry: dict[str, Any], key: str | None, guard: writes.WriteGuard
) -> Replayed:
    """Send ``entry``'s request again (its method, path, query, body and headers, with ``key``);
    the new answer as the finding's check sees it."""
    request = entry["request"]
    parts = urlsplit(request["url"])
    body = _body(entry)
    if str(request["method"]).upper() != "GET":  # allowed: the run created what it names
        guard.created.update(writes.path_ids(parts.path))
        guard.created.update(v for _, v in writes.body_ids(body))
    recorded = {h["name"]: h["value"] for h in request.get("headers", [])}
    names = {name.lower() for name in recorded}
    response = client.request(
        request["method"],
        parts.path,
        params=dict(parse_qsl(parts.query, keep_blank_values=True)),
        json=body,
        key=key,
        bearer="authorization" in names and "x-api-key" not in names,
        headers={k: v for k, v in recorded.items() if k.lower() not in NOT_REPLAYED_HEADERS},
    )
    was = int(entry["response"].get("status") or 0)
    if response.status_code in (401, 403) and was not in (401, 403):
        raise Refusal(
            f"the target rejected the key ({response.status_code} to "
            f"{request['method']} {parts.path}): check --api-key"
        )
    line = f"{request['method']} {client.base_url}{parts.path}"
    line += f"?{parts.query}" if parts.query else ""
    return Replayed(entry["_id"], line, was, response.context())


def _replay(args: argparse.Namespace) -> int:
    report_dir: Path = args.report_dir
    if args.request_timeout <= 0:
        raise Refusal("--request-timeout must be positive")
    summary = _summary(report_dir)
    finding = _finding(summary, args.finding, report_dir)
    why = not_replayable(finding)
    if why is not None:
        contract = finding.get("contract_id") or "its contract"
        print(
            f"error: finding {args.finding} cannot be replayed: {why}; re-run its contract "
            f"instead: scrip-conformance run --only {contract}",
            file=sys.stderr,
        )
        return EXIT_NOT_REPLAYABLE
    entries = _entries(report_dir, list(finding["exchanges"]))
    _refuse_what_cannot_be_sent(entries, args.allow_writes)
    file = _config_file(args)
    base_url = _target(args, summary, file)
    sent_keys = {e["_id"]: _key(str(e.get("_key", "api_key")), args, file) for e in entries}
    keys.register(*[k for k in sent_keys.values() if k and k != WRONG_KEY])
    guard = writes.reset()
    print(f"replay {args.finding} ({finding.get('contract_id', '')}) against {base_url}:")
    with TargetClient(
        base_url, "", timeout=args.request_timeout, read_only=not args.allow_writes
    ) as client:
        try:
            replayed = [_resend(client, e, sent_keys[e["_id"]], guard) for e in entries]
        except TargetError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_UNREACHABLE
    outcome = judge(finding, replayed)
    print("\n".join(outcome.lines))
    return outcome.code
