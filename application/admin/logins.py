"""A user's sign-in history for auditors, folded from the identity events themselves: the
sessions started (a password login or a refresh-token login), the failed attempts and the
sessions ended, with the address and client each came from (shredded with the user)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.admin.ports import Recorded, Trail
from domain.identity.events import SessionEnded, SessionStarted, UserLoginFailed

TOPICS = [SessionStarted.TOPIC, UserLoginFailed.TOPIC, SessionEnded.TOPIC]


@dataclass(frozen=True)
class Login:
    """`outcome`: `success` (a session started), `failure` (with LibreChat's reason) or
    `ended` (logout, token reuse, password reset, ban, deletion)."""

    at: datetime
    outcome: str
    session_id: UUID | None
    ip: str
    user_agent: str
    reason: str
    seq: int


class LoginHistory:
    def __init__(self, trail: Trail) -> None:
        self.trail = trail

    def of(
        self, user_id: UUID, since: datetime | None = None, until: datetime | None = None
    ) -> list[Login]:
        """Oldest first, between `since` and `until` (inclusive). Reads the identity log's
        session events (an auditor's query: a scan of those topics, not a read model)."""
        found = (
            login
            for recorded in self.trail.recorded("identity", TOPICS)
            if (login := _login(recorded, user_id)) is not None
        )
        return [
            login
            for login in found
            if (since is None or login.at >= since) and (until is None or login.at <= until)
        ]


def _login(recorded: Recorded, user_id: UUID) -> Login | None:
    event, seq = recorded.event, recorded.seq
    if isinstance(event, SessionStarted) and event.user_id == user_id:
        return Login(
            event.timestamp, "success", event.originator_id, event.ip, event.user_agent, "", seq
        )
    if isinstance(event, UserLoginFailed) and event.originator_id == user_id:
        return Login(
            event.timestamp, "failure", None, event.ip, event.user_agent, event.reason, seq
        )
    if isinstance(event, SessionEnded) and event.user_id == user_id:
        return Login(event.timestamp, "ended", event.originator_id, "", "", event.reason, seq)
    return None
