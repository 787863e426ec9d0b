"""What fuzzing is told about the target's freedoms: the rate limit, features declared
unsupported, D-METHODS, and findings of SHOULD rules kept apart from the MUST gate."""

from __future__ import annotations

from scrip_conformance.fuzzing.config import FuzzSettings, schemathesis_config
from scrip_conformance.fuzzing.report import LEDGER_CONTRACT, contract_for_failure


def _config(**overrides) -> dict:
    return schemathesis_config(FuzzSettings(base_url="http://t", api_key="k", **overrides))


def test_the_engine_waits_out_429s_and_judges_undocumented_methods_by_d_methods():
    config = _config()
    assert config["rate-limit"] == "auto"
    assert config["checks"]["unsupported_method"] == {"enabled": False}
    assert "rate_limit_headers" not in config["checks"]  # judged unless declared unsupported


def test_unsupported_rate_limit_headers_turns_their_check_off():
    config = _config(unsupported=frozenset({"rate-limit-headers"}))
    assert config["checks"]["rate_limit_headers"] == {"enabled": False}


def test_a_should_rule_found_by_a_domain_check_reports_under_its_own_contract():
    should = "[RATELIMIT-HEADERS] rate-limit headers missing or not integers\n  expected: ..."
    assert contract_for_failure("rate_limit_headers", should) == "RATELIMIT-HEADERS"
    must = "[LOT-REMAINING-LE-AMOUNT] remaining above amount\n  expected: ..."
    assert contract_for_failure("lot_page", must) == LEDGER_CONTRACT
    mixed = should + "\n" + must
    assert contract_for_failure("lot_page", mixed) == LEDGER_CONTRACT
    assert contract_for_failure("undocumented_method_refused", "") == "FUZZ-INPUT-VALIDATION"


def test_schema_valid_requests_may_get_what_the_spec_lists_beyond_json_schema():
    config = _config()
    expected = {
        entry["include-operation-id"]: entry["checks"]
        .get("positive_data_acceptance", {})
        .get("expected-statuses")
        for entry in config["operations"]
    }
    assert "400" in expected["listPrograms"]  # opaque cursors
    assert {"400", "422"} <= set(expected["voidHoldParticipantBalance"])
    assert {"400", "422"} <= set(expected["forfeitParticipantBalance"])
    assert "400" in expected["updateAsset"] and "422" not in expected["updateAsset"]
    # nothing beyond the schema: the base (success, refusals, D-LIMITS' 413/414), no 400
    assert "400" not in expected["createProgram"]
    assert {"2xx", "413", "414"} <= set(expected["createProgram"])


def test_invalid_requests_may_also_get_the_size_refusals_of_d_limits():
    negative = _config()["checks"]["negative_data_rejection"]["expected-statuses"]
    assert {"400", "422", "413", "414"} <= set(negative)
