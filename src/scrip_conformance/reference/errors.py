"""The error the ledger raises for a refused request: an HTTP status and a D-ERRORS code."""

from __future__ import annotations


class ApiError(Exception):
    """A 4xx answer: ``status``, ``code`` (D-ERRORS) and a human ``message``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def validation(message: str) -> ApiError:
    return ApiError(400, "validation_error", message)


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found")


def unprocessable(code: str, message: str) -> ApiError:
    return ApiError(422, code, message)
