"""A login session: owns its refresh token's hash and rotates it on every refresh."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain.identity.events import SessionEnded, SessionRefreshed, SessionStarted
from domain.shared.aggregate import Aggregate, applies
from domain.shared.errors import Unauthenticated


class TokenReused(Unauthenticated):
    """A rotated (superseded) refresh token came back: the session is revoked."""


class Session(Aggregate):
    user_id: UUID
    refresh_hash: str
    expires_at: datetime
    ended: bool
    end_reason: str

    @classmethod
    def start(
        cls,
        session_id: UUID,
        *,
        user_id: UUID,
        refresh_hash: str,
        expires_at: datetime,
        ip: str,
        user_agent: str,
    ) -> Session:
        session = cls(session_id)
        session._record(
            SessionStarted,
            user_id=user_id,
            refresh_hash=refresh_hash,
            expires_at=expires_at,
            ip=ip,
            user_agent=user_agent,
        )
        return session

    def is_live(self, now: datetime) -> bool:
        return not self.ended and now < self.expires_at

    def rotate(self, presented_hash: str, new_hash: str, ip: str, now: datetime) -> None:
        """Swap the refresh token. A valid but superseded token means it was stolen or
        replayed: revoke the whole session (both holders must log in again)."""
        if not self.is_live(now):
            raise Unauthenticated("Refresh token expired or not found for this user")
        if presented_hash != self.refresh_hash:
            self.end("token_reuse")
            raise TokenReused("Refresh token expired or not found for this user")
        self._record(SessionRefreshed, user_id=self.user_id, refresh_hash=new_hash, ip=ip)

    def end(self, reason: str) -> None:
        if not self.ended:
            self._record(SessionEnded, user_id=self.user_id, reason=reason)

    @applies(SessionStarted)
    def _started(self, event: SessionStarted) -> None:
        self.user_id, self.refresh_hash = event.user_id, event.refresh_hash
        self.expires_at = event.expires_at
        self.ended, self.end_reason = False, ""

    @applies(SessionRefreshed)
    def _refreshed(self, event: SessionRefreshed) -> None:
        self.refresh_hash = event.refresh_hash

    @applies(SessionEnded)
    def _ended(self, event: SessionEnded) -> None:
        self.ended, self.end_reason = True, event.reason
