"""LibreChat's JWTs: access `{id, username, provider, email}`, refresh `{id, sessionId}`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import jwt

from application.identity.ports import ExpiredToken, InvalidToken, RefreshClaims


class JwtTokens:
    def __init__(self, secret: str, refresh_secret: str, access_lifetime: timedelta) -> None:
        self._secret = secret
        self._refresh_secret = refresh_secret
        self._lifetime = access_lifetime

    def access(self, user_id: UUID, username: str, provider: str, email: str) -> str:
        now = datetime.now(UTC)
        payload = {
            "id": str(user_id),
            "username": username,
            "provider": provider,
            "email": email,
            "iat": now,
            "exp": now + self._lifetime,
        }
        return jwt.encode(payload, self._secret, algorithm="HS256")

    def read_access(self, token: str) -> dict[str, Any]:
        claims = _decode(token, self._secret)
        _uuid(claims.get("id"))
        return claims

    def refresh(self, user_id: UUID, session_id: UUID, expires_at: datetime) -> str:
        payload = {
            "id": str(user_id),
            "sessionId": str(session_id),
            "jti": uuid4().hex,
            "iat": datetime.now(UTC),
            "exp": expires_at,
        }
        return jwt.encode(payload, self._refresh_secret, algorithm="HS256")

    def read_refresh(self, token: str) -> RefreshClaims:
        claims = _decode(token, self._refresh_secret)
        return RefreshClaims(_uuid(claims.get("id")), _uuid(claims.get("sessionId")))


def _decode(token: str, secret: str) -> dict[str, Any]:
    try:
        return jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp"]})
    except jwt.ExpiredSignatureError:
        raise ExpiredToken("token expired") from None
    except jwt.PyJWTError as error:
        raise InvalidToken(str(error)) from None


def _uuid(value: object) -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise InvalidToken("malformed subject") from None
