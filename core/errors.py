"""Domain errors. Services raise them; one API handler and the views map them to answers."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the request. ``code`` is stable, ``message`` is for people."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class PermissionDenied(DomainError):
    status_code = 403
    code = "forbidden"


class InvalidTransition(DomainError):
    status_code = 409
    code = "invalid_transition"
