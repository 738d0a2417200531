"""Registration and login rules, as LibreChat validates them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.shared.errors import Invalid

ADMIN, USER = "ADMIN", "USER"
ROLES = (ADMIN, USER)

_EMAIL = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")
_USERNAME = re.compile(r"^[\w.@#$%&*()' -]+$", re.UNICODE)


@dataclass(frozen=True)
class Registration:
    name: str
    email: str
    password: str
    username: str = ""


def validate_registration(
    name: object,
    email: object,
    password: object,
    confirm: object,
    username: object = None,
    min_password: int = 8,
) -> Registration:
    """Raise `Invalid` with LibreChat's message for the first rule broken."""
    name_ = _text(name, "Name")
    if not 3 <= len(name_) <= 80:
        raise Invalid("Name must be between 3 and 80 characters")
    email_ = normalise_email(email)
    password_ = _password(password, min_password)
    if confirm != password_:
        raise Invalid("Passwords do not match")
    return Registration(name=name_, email=email_, password=password_, username=_username(username))


def normalise_email(email: object) -> str:
    value = _text(email, "Email").lower()
    if len(value) > 254 or not _EMAIL.match(value):
        raise Invalid("Invalid email")
    return value


def _password(password: object, min_length: int) -> str:
    if not isinstance(password, str):
        raise Invalid("Password is required")
    if not min_length <= len(password) <= 128:
        raise Invalid(f"Password must be between {min_length} and 128 characters")
    if not password.strip():
        raise Invalid("Password cannot be only spaces")
    return password


def _username(username: object) -> str:
    if username is None or username == "":
        return ""
    value = _text(username, "Username").lower()
    if not 2 <= len(value) <= 80 or not _USERNAME.match(value):
        raise Invalid("Invalid username")
    return value


def _text(value: object, label: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"{label} is required")
    return value.strip()
