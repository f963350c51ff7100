"""Domain errors carry a message a Vietnamese user can read."""

from __future__ import annotations


class DomainError(Exception):
    """A write was refused; ``message`` is shown to the user as is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """The object does not exist or is outside the caller's scope (the two are never told apart)."""


class VersionConflict(DomainError):
    """The record changed since the client read it (optimistic concurrency); nothing was written."""


class Forbidden(DomainError):
    """The caller's role does not allow this action."""
