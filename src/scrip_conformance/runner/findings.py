"""Turn what a failing test raised into findings: ContractFailure violations, schemathesis
failure groups, and anything else (an error is a finding too: the check could not complete)."""

from __future__ import annotations

import dataclasses
import re

from scrip_conformance.runner.outcomes import Finding
from scrip_conformance.violations import ContractFailure

_CURL = re.compile(r"Reproduce with:\s*\n\s*(curl [^\n]+)")
_MAX_OBSERVED = 2000


def _curl_of(exc: BaseException) -> str | None:
    texts = [str(getattr(exc, "message", "") or "")]
    texts += [str(note) for note in getattr(exc, "__notes__", []) or []]
    texts.append(str(exc))
    for text in texts:
        match = _CURL.search(text)
        if match:
            return match.group(1).strip()
    return None


def _with_request(findings: list[Finding], curl: str | None) -> list[Finding]:
    if not curl:
        return findings
    return [f if f.request else dataclasses.replace(f, request=curl) for f in findings]


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _clip(text: str) -> str:
    text = text.strip()
    return text if len(text) <= _MAX_OBSERVED else text[:_MAX_OBSERVED] + " [...]"


def findings_from_exception(exc: BaseException, check: str, test: str) -> list[Finding]:
    """Findings in ``exc``; ``contract_id`` is empty when the exception does not name one."""
    if isinstance(exc, ContractFailure):
        return [
            dataclasses.replace(found, observed=_clip(found.observed))
            for found in (Finding.from_violation(v, check, test) for v in exc.violations)
        ] or [
            Finding(
                "", check, "ContractFailure without violations", "a violation", "none", test=test
            )
        ]
    if isinstance(exc, BaseExceptionGroup):
        found: list[Finding] = []
        for sub in exc.exceptions:
            found += _with_request(findings_from_exception(sub, check, test), _curl_of(sub))
        return _with_request(found, _curl_of(exc))
    title = getattr(exc, "title", None)
    code = getattr(exc, "code", None)
    if isinstance(title, str) and isinstance(code, str) and hasattr(exc, "message"):
        # A schemathesis Failure: a custom check may carry our own ContractFailure inside.
        inner = getattr(exc, "exception", None)
        if isinstance(inner, ContractFailure):
            return _with_request(findings_from_exception(inner, check, test), _curl_of(exc))
        operation = getattr(exc, "operation", None)
        return [
            Finding(
                contract_id="",
                check=f"{title} ({operation})" if operation else title,
                summary=f"{code} {title}",
                expected=f"the schemathesis check '{title}' holds",
                observed=_clip(str(exc.message) or title),
                subject=str(operation or ""),
                request=_curl_of(exc),
                test=test,
            )
        ]
    detail = _clip(str(exc)) or type(exc).__name__
    return [
        Finding(
            contract_id="",
            check=check,
            summary=f"the check could not complete: {type(exc).__name__}",
            expected="the check runs to its end",
            observed=detail,
            request=_curl_of(exc),
            test=test,
        )
    ]
