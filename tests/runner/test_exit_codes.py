"""Exit codes and one-line messages for what goes wrong before any contract runs:
3 for a target that is unreachable or not this API, 2 for usage and configuration errors."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from runner_support import KEY_A, run_cli


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _NotScrip(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the http.server API
        body = b"<html><body>Welcome to nginx!</body></html>"
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def not_scrip_server():
    server = HTTPServer(("127.0.0.1", 0), _NotScrip)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_a_closed_port_exits_3_with_one_line(tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}"
    result = run_cli(["--base-url", url, "--api-key", KEY_A], tmp_path / "r")
    assert result.code == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: cannot reach {url}")
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "r").exists()  # no report, not even an empty report dir


def test_a_failed_pre_flight_keeps_a_report_dir_that_was_already_there(tmp_path):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "mine.txt").write_text("kept")
    url = f"http://127.0.0.1:{_closed_port()}"
    assert run_cli(["--base-url", url, "--api-key", KEY_A], tmp_path / "r" / "a" / "b").code == 3
    assert not (tmp_path / "r" / "a").exists()
    assert (tmp_path / "r" / "mine.txt").read_text() == "kept"


def test_a_server_that_is_not_this_api_exits_3(not_scrip_server, tmp_path):
    result = run_cli(["--base-url", not_scrip_server, "--api-key", KEY_A], tmp_path / "r")
    assert result.code == 3
    assert result.stderr.strip() == (
        f"error: {not_scrip_server} does not look like the Scrip API: "
        "GET /v1/assets answered 404 (text/html)"
    )


def test_a_rejected_key_is_a_configuration_error_exit_2(reference, tmp_path):
    result = run_cli(
        ["--base-url", reference.base_url, "--api-key", "sk_wrong_key_123"], tmp_path / "r"
    )
    assert result.code == 2
    assert result.stderr.strip() == (
        f"error: {reference.base_url} rejected the API key (401 unauthorized): "
        "check --api-key / SCRIP_API_KEY"
    )
    assert "sk_wrong_key_123" not in result.stdout + result.stderr


def test_a_rejected_second_org_key_is_named(reference, tmp_path):
    result = run_cli(
        ["--base-url", reference.base_url, "--api-key", KEY_A, "--second-org-key", "sk_nobody_456"],
        tmp_path / "r",
    )
    assert result.code == 2
    assert "rejected the second organization's key" in result.stderr


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--quick", "--deep"], "not allowed with argument"),
        (["--seed", "many"], "invalid int value"),
        (["--profile", "everything"], "unknown profile(s) everything"),
        (["--read-only", "--profile", "provisioning"], "profile(s) provisioning write"),
        (["--only", "NO-SUCH-CONTRACT"], "unknown contract id(s): NO-SUCH-CONTRACT"),
        (["--base-url", "ftp://example"], "must be an http:// or https:// URL"),
        (["--base-url", "http://u:sk_x@127.0.0.1:1"], "must not carry credentials"),
        (["--base-url", "http://127.0.0.1:1"], "no API key: pass --api-key or set SCRIP_API_KEY"),
        (["--api-key", "sk_x"], "need --base-url"),
        (["--rerun-failed"], "--rerun-failed: no previous summary"),
        (["--request-timeout", "0"], "--request-timeout must be positive"),
    ],
)
def test_bad_flags_exit_2_with_a_message(argv, message, tmp_path, monkeypatch):
    monkeypatch.delenv("SCRIP_API_KEY", raising=False)
    result = run_cli(argv, tmp_path / "r")
    assert result.code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_malformed_baseline_exits_2(tmp_path):
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text("entries:\n  - contract: LOT-REMAINING-LE-AMOUNT\n    check: '*'\n")
    result = run_cli(["--baseline", str(baseline)], tmp_path / "r")
    assert result.code == 2
    assert "'reason' must be a non-empty string" in result.stderr


def test_run_help_lists_every_exit_code_and_the_defaults(capsys):
    from scrip_conformance import cli

    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for code in ("0", "1", "2", "3", "4", "130", "143"):
        assert f" {code} " in text.split("exit codes", 1)[1], code
    assert "see pytest --help" not in text
    assert "assets to walk at most (default 100)" in text
    assert "(default 10)" in text and "(default: ./reports)" in text
