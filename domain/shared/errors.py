"""Errors a domain rule raises; the API maps each family to one HTTP status."""

from __future__ import annotations


class DomainError(Exception):
    """A command broke a rule; nothing was recorded."""


class NotFound(DomainError):
    """The thing a command names does not exist (or is not visible to the caller)."""


class Forbidden(DomainError):
    """The caller may not do this."""


class Conflict(DomainError):
    """The command clashes with the current state (duplicate, or lost a race after retries)."""


class Invalid(DomainError):
    """The command's values break a validation rule."""


class Unauthenticated(DomainError):
    """Credentials are missing, wrong or expired."""


class Unavailable(DomainError):
    """What the command must read cannot answer completely in time; retrying later works."""
