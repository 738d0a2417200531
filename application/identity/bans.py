"""Bans as events: the abuse policy enforces them from the fast store, these record them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

from application.identity.abuse import AbusePolicy, Ban
from application.shared.store import EventStore, retry_on_conflict
from domain.identity.claims import EmailClaim
from domain.identity.rules import normalise_email
from domain.identity.user import User
from domain.shared.errors import Invalid, NotFound


class BanRecorder:
    """A ban listener: appends `UserBanned` to the user's stream (auditable: who, from
    which IP, for which violation, until when)."""

    def __init__(self, store: EventStore) -> None:
        self.store = store

    def __call__(self, ban: Ban) -> None:
        retry_on_conflict(lambda: self._record(ban))

    def _record(self, ban: Ban) -> None:
        try:
            user = self.store.load(User, UUID(ban.user_id))
        except (NotFound, ValueError):
            return  # no such user (a deleted one): the fast-store ban still applies
        expires_at = datetime.fromtimestamp(ban.expires_at_ms / 1000, UTC)
        user.ban(ban.ip, ban.violation, ban.violation_count, expires_at)
        self.store.commit(user, actor=user.id)


class BanRevoker:
    """A ban listener: the banned user's tokens answer 401 in every process until the ban
    ends (LibreChat also ends a banned user's sessions)."""

    def __init__(self, revoke: Callable[[UUID, str, datetime | None], None]) -> None:
        self.revoke = revoke

    def __call__(self, ban: Ban) -> None:
        try:
            user_id = UUID(ban.user_id)
        except ValueError:
            return  # an IP-only ban: no account's tokens to refuse
        self.revoke(user_id, "banned", datetime.fromtimestamp(ban.expires_at_ms / 1000, UTC))


def lift_ban(store: EventStore, policy: AbusePolicy, user_id: UUID) -> None:
    """An operator ends a ban early: `UserBanLifted`, then the fast store forgets the user's
    ban and that of the IP banned with them."""

    def lift() -> str:
        user = store.load(User, user_id)
        ip = user.ban_ip
        user.lift_ban()
        store.commit(user, actor=user_id)
        return ip

    ip = retry_on_conflict(lift)
    policy.lift(str(user_id), ip)


def user_id_for_email(
    store: EventStore, claim_id_of: Callable[[str], UUID], email: object
) -> str | None:
    """The id of the user holding an address, for checkBan on login (LibreChat's findUser)."""
    try:
        claim_id = claim_id_of(normalise_email(email))
        claim = store.load(EmailClaim, claim_id)
    except (NotFound, Invalid):
        return None
    return None if claim.released else str(claim.user_id)
