"""The ``serve`` sub-command's configuration errors and the spec_schemas response validator."""

from __future__ import annotations

import pytest

from scrip_conformance import cli, spec_schemas
from scrip_conformance.reference.command import parse_keys


def test_serve_without_any_key_exits_2_with_one_line(monkeypatch, capsys):
    monkeypatch.delenv("SCRIP_API_KEYS", raising=False)
    assert cli.main(["serve"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "SCRIP_API_KEYS" in err


@pytest.mark.parametrize("db", ["/nonexistent-dir/x.db"])
def test_serve_with_a_bad_database_path_exits_2_without_printing_keys(db, capsys):
    assert cli.main(["serve", "--api-key", "sk_secret_value", "--db", db]) == 2
    captured = capsys.readouterr()
    assert "sk_secret_value" not in captured.err + captured.out
    assert "nonexistent-dir" in captured.err


def test_serve_with_a_file_that_is_not_a_database_exits_2(tmp_path, capsys):
    path = tmp_path / "x.db"
    path.write_text("this is not sqlite, " * 100)
    assert cli.main(["serve", "--api-key", "k", "--db", str(path)]) == 2
    assert "not a database" in capsys.readouterr().err


def test_keys_parse_with_and_without_organization():
    assert parse_keys(["a", "b=org-b", " c = org-c ", ""]) == {
        "a": "default",
        "b": "org-b",
        "c": "org-c",
    }
    with pytest.raises(ValueError):
        parse_keys(["=org"])
    with pytest.raises(ValueError):
        parse_keys(["k="])


def test_env_keys_are_used_when_no_flag_is_given(monkeypatch, capsys):
    monkeypatch.setenv("SCRIP_API_KEYS", "=bad")
    assert cli.main(["serve"]) == 2
    assert "empty" in capsys.readouterr().err


VALID_ASSET = {
    "id": "550e8400-e29b-41d4-a716-446655440000",
    "name": "P",
    "symbol": "P",
    "inventory_mode": "LOT",
    "issuance_policy": "UNLIMITED",
    "scale": 2,
    "max_transaction_amount": None,
    "status": "ACTIVE",
    "program_ids": [],
    "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
    "deleted_at": None,
}
HEADERS = {"X-RateLimit-Limit": "30", "X-RateLimit-Remaining": "29", "X-RateLimit-Reset": "5"}


def test_validate_response_accepts_a_valid_body_and_headers():
    assert spec_schemas.validate_response("getAsset", 200, VALID_ASSET, HEADERS) == []


@pytest.mark.parametrize(
    "change",
    [
        {"scale": "2"},
        {"id": "not-a-uuid"},
        {"created_at": "2026-01-01"},
        {"status": "DELETED"},  # an extra field is allowed (D-RESPONSE-FIELDS)
        {"max_transaction_amount": "-1.00"},
    ],
)
def test_validate_response_reports_schema_errors(change):
    assert spec_schemas.validate_response("getAsset", 200, {**VALID_ASSET, **change})


def test_validate_response_reports_undocumented_status_and_bad_headers():
    assert spec_schemas.validate_response("getAsset", 418, VALID_ASSET)
    assert spec_schemas.validate_response("getAsset", 200, VALID_ASSET, {})
    bad = {**HEADERS, "X-RateLimit-Remaining": "many"}
    assert spec_schemas.validate_response("getAsset", 200, VALID_ASSET, bad)
    assert spec_schemas.validate_response("nope", 200, {})


def test_validate_response_checks_error_codes_per_status():
    assert (
        spec_schemas.validate_response("getAsset", 404, {"code": "not_found", "message": ""}) == []
    )
    assert spec_schemas.validate_response("getAsset", 404, {"code": "conflict", "message": ""})
    assert spec_schemas.validate_response("getAsset", 401, {"code": "unauthorized"})


def test_validators_are_cached():
    assert spec_schemas.validator_for("/components/schemas/Lot") is spec_schemas.validator_for(
        "/components/schemas/Lot"
    )
