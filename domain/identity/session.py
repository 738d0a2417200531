"""A login session: owns its refresh token's hash and rotates it on every refresh."""

from __future__ import annotations

from datetime import datetime, timedelta
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
    # the token the last rotation superseded, and when its successor was issued
    previous_hash: str
    rotated_at: datetime | None

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

    def just_superseded(self, presented_hash: str, now: datetime, grace: timedelta) -> bool:
        """The token the last rotation replaced, back within `grace` of it: a second tab
        that refreshed at the same moment, not a thief. It gets that rotation's token."""
        return (
            self.is_live(now)
            and self.rotated_at is not None
            and presented_hash == self.previous_hash
            and now - self.rotated_at <= grace
        )

    def rotate(
        self, presented_hash: str, new_hash: str, ip: str, now: datetime, issued_at: datetime
    ) -> None:
        """Swap the refresh token. A valid but superseded token means it was stolen or
        replayed: revoke the whole session (both holders must log in again)."""
        if not self.is_live(now):
            raise Unauthenticated("Refresh token expired or not found for this user")
        if presented_hash != self.refresh_hash:
            self.end("token_reuse")
            raise TokenReused("Refresh token expired or not found for this user")
        self._record(
            SessionRefreshed,
            user_id=self.user_id,
            refresh_hash=new_hash,
            ip=ip,
            previous_hash=presented_hash,
            issued_at=issued_at,
        )

    def end(self, reason: str) -> None:
        if not self.ended:
            self._record(SessionEnded, user_id=self.user_id, reason=reason)

    @applies(SessionStarted)
    def _started(self, event: SessionStarted) -> None:
        self.user_id, self.refresh_hash = event.user_id, event.refresh_hash
        self.expires_at = event.expires_at
        self.ended, self.end_reason = False, ""
        self.previous_hash, self.rotated_at = "", None

    @applies(SessionRefreshed)
    def _refreshed(self, event: SessionRefreshed) -> None:
        self.previous_hash, self.refresh_hash = event.previous_hash, event.refresh_hash
        self.rotated_at = event.issued_at

    @applies(SessionEnded)
    def _ended(self, event: SessionEnded) -> None:
        self.ended, self.end_reason = True, event.reason
