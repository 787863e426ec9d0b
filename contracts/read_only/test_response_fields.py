"""RESPONSE-NO-UNKNOWN-FIELDS (SHOULD): the answers of the run carry only the fields the spec lists.

Response objects are open (D-RESPONSE-FIELDS): a field the spec does not list never breaks
RESPONSE-MATCHES-SPEC; it is reported here, as a warning that names the field.
"""

from __future__ import annotations

import pytest

from ._support import assert_contract

CONTRACT = "RESPONSE-NO-UNKNOWN-FIELDS"


@pytest.mark.contract(CONTRACT)
def test_answers_carry_only_the_fields_the_spec_lists(
    field_audit, error_probes, odd_answers, witness
):
    # the probes and odd requests have run by now; their answers went through the audit too
    assert error_probes is not None and odd_answers is not None
    witness(CONTRACT, "JSON answers", field_audit.answers)
    assert_contract(field_audit.found.of(CONTRACT), CONTRACT)
