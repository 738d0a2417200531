"""LibreChat's JWTs: access `{id, username, provider, email}`, refresh `{id, sessionId}`."""

from __future__ import annotations

import hashlib
import hmac
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
        return self._refresh(user_id, session_id, expires_at, uuid4().hex, datetime.now(UTC))

    def successor(
        self, presented: str, user_id: UUID, session_id: UUID, expires_at: datetime, at: datetime
    ) -> str:
        """The token that replaces `presented`, the same every time it is asked for (its id
        is keyed by the presented token, its issue time given): a refresh repeated within the
        grace window gets it again without it being stored anywhere."""
        jti = hmac.new(self._refresh_secret.encode(), presented.encode(), hashlib.sha256)
        return self._refresh(user_id, session_id, expires_at, jti.hexdigest()[:32], at)

    def _refresh(
        self, user_id: UUID, session_id: UUID, expires_at: datetime, jti: str, at: datetime
    ) -> str:
        payload = {
            "id": str(user_id),
            "sessionId": str(session_id),
            "jti": jti,
            "iat": at,
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
