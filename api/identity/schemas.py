"""Request bodies of /api/auth, as LibreChat's client sends them (unknown fields are ignored).

The Structs say the shape LibreChat's zod schemas ask for (`registerSchema`, `loginSchema` in
its api/strategies/validators.js): which fields, of which type. The rules on the values
(lengths, the email's form, matching passwords) stay in domain/identity/rules.py, which the
CLI's create-user shares, so each rule and its message is written once."""

from __future__ import annotations

import re
from typing import Annotated

import msgspec

# An empty email or password is no credential at all: LibreChat answers it like a missing one.
Credential = Annotated[str, msgspec.Meta(min_length=1)]


class RegisterBody(msgspec.Struct, kw_only=True):
    name: str
    email: str
    password: str
    confirm_password: str
    username: str | None = None


class LoginBody(msgspec.Struct, kw_only=True):
    email: Credential
    password: Credential


# What LibreChat says when a field is missing (the domain says the same of a blank one).
MISSING = {
    "name": "Name is required",
    "email": "Email is required",
    "password": "Password is required",
    "confirm_password": "Passwords do not match",
}
# msgspec's names for JSON types, and zod's ("Expected string, received number").
JS_TYPES = {"int": "number", "float": "number", "bool": "boolean", "str": "string"}
_GOT = re.compile(r"got `(?P<type>\w+)`")


def registration_refusal(field: str, reason: str) -> str:
    """LibreChat's message (its errorsToString of zod's issue) for a field the Struct refused."""
    got = _GOT.search(reason)
    if got is None:
        return MISSING.get(field, f"{field}: Required")
    received = JS_TYPES.get(got["type"], got["type"])
    return f"{field}: Expected string, received {received}"
