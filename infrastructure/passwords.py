"""argon2id password hashes; bcrypt (LibreChat's) hashes verify and are flagged for rehash."""

from __future__ import annotations

import bcrypt
from argon2 import PasswordHasher as Argon2
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2Hasher:
    def __init__(self, time_cost: int = 2, memory_cost: int = 19_456) -> None:
        self._argon = Argon2(time_cost=time_cost, memory_cost=memory_cost)

    def hash(self, password: str) -> str:
        return self._argon.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        if _is_bcrypt(password_hash):
            try:
                return bcrypt.checkpw(password.encode()[:72], password_hash.encode())
            except ValueError:
                return False
        try:
            return self._argon.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return _is_bcrypt(password_hash) or self._argon.check_needs_rehash(password_hash)


def _is_bcrypt(password_hash: str) -> bool:
    return password_hash.startswith(("$2a$", "$2b$", "$2y$"))
