"""What identity needs from the outside world."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID


class PasswordHasher(Protocol):
    """argon2id for new hashes; LibreChat's bcrypt hashes still verify (then get upgraded)."""

    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool: ...
    def needs_rehash(self, password_hash: str) -> bool: ...


@dataclass(frozen=True)
class RefreshClaims:
    user_id: UUID
    session_id: UUID


class InvalidToken(Exception):
    """The token's signature, shape or expiry is wrong."""


class ExpiredToken(InvalidToken):
    """The token was genuine but has expired."""


class Tokens(Protocol):
    def access(self, user_id: UUID, username: str, provider: str, email: str) -> str: ...
    def refresh(self, user_id: UUID, session_id: UUID, expires_at: datetime) -> str: ...
    def successor(
        self, presented: str, user_id: UUID, session_id: UUID, expires_at: datetime, at: datetime
    ) -> str:
        """The rotation of `presented` issued `at`: deterministic, so it can be re-issued."""
        ...

    def read_refresh(self, token: str) -> RefreshClaims: ...


class KeyShredder(Protocol):
    def destroy(self, subject: UUID) -> None: ...


class SessionTokens(Tokens, Protocol):
    """Tokens as the API reads them: an access token's claims (LibreChat's `id`, …)."""

    def read_access(self, token: str) -> dict[str, Any]: ...


class Directory(Protocol):
    """The users and roles the admin routes list (read models; `actor` sees its own writes).
    Rows carry user_directory's / role_directory's columns as attributes."""

    def users(self, actor: UUID | None, limit: int, offset: int) -> tuple[list[Any], int]: ...
    def search_users(self, actor: UUID | None, prefix: str, limit: int) -> list[Any]: ...
    def members(
        self, actor: UUID | None, role: str, limit: int, offset: int
    ) -> tuple[list[Any], int]: ...
    def member_ids(self, role: str) -> list[UUID]:
        """Complete (a command acts on every one), else `Unavailable`."""
        ...

    def custom_roles(
        self, actor: UUID | None, limit: int, offset: int, builtin: list[str]
    ) -> tuple[list[Any], int]: ...
