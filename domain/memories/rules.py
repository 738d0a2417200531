"""LibreChat's rules for memory entries (api/server/routes/memories.js, the MemoryEntry
schema), in its own words."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from uuid import UUID

from domain.shared.errors import Invalid

MAX_KEY = 1000
DEFAULT_CHAR_LIMIT = 10_000
_KEY = re.compile(r"^[a-z_]+$")  # the MemoryEntry schema's validator
# A memory book's id derives from its user: one per user, found without a lookup.
BOOKS = UUID("0f5b9f3e-4a53-4c5e-9b0e-3c1d2e6f7a81")


def book_id(user_id: UUID) -> UUID:
    return uuid.uuid5(BOOKS, str(user_id))


@dataclass(frozen=True)
class Limits:
    """The deployment's `memory:` block: characters per value, tokens per user (None: none)."""

    char_limit: int = DEFAULT_CHAR_LIMIT
    token_limit: int | None = None


def required(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"{name} is required and must be a non-empty string.")
    if "\x00" in value:
        raise Invalid(f"{name} must not contain NUL characters.")
    return value


def check_key(key: str) -> str:
    if len(key) > MAX_KEY:
        raise Invalid(
            f"Key exceeds maximum length of {MAX_KEY} characters. "
            f"Current length: {len(key)} characters."
        )
    if not _KEY.match(key):
        raise Invalid("Key must only contain lowercase letters and underscores")
    if key == "nothing":  # LibreChat refuses to store this key (its memory tools' "no memory")
        raise Invalid("Failed to create memory.")
    return key


def check_value(value: str, limits: Limits) -> str:
    if len(value) > limits.char_limit:
        raise Invalid(
            f"Value exceeds maximum length of {limits.char_limit} characters. "
            f"Current length: {len(value)} characters."
        )
    return value


def check_key_length(key: str) -> None:
    """LibreChat checks the length before anything else about a key."""
    if len(key) > MAX_KEY:
        check_key(key)
