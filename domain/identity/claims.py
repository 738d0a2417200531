"""Uniqueness by aggregate id: an email claim, and the one-and-only first-admin seat."""

from __future__ import annotations

from uuid import UUID, uuid5

from domain.identity.events import EmailClaimed, EmailReleased, FirstAdminSeated
from domain.shared.aggregate import Aggregate, applies

ADMIN_SEAT_ID = uuid5(UUID("6f1c1f5e-3a51-4d55-9b8e-0c6c7c0a1d01"), "first-admin")


class EmailClaim(Aggregate):
    """Saved together with the user: a second registration of the address conflicts on
    version 1 of this aggregate and so can never commit."""

    user_id: UUID
    released: bool

    @classmethod
    def claim(cls, claim_id: UUID, user_id: UUID) -> EmailClaim:
        claim = cls(claim_id)
        claim._record(EmailClaimed, user_id=user_id)
        return claim

    def reclaim(self, user_id: UUID) -> None:
        assert self.released
        self._record(EmailClaimed, user_id=user_id)

    def release(self) -> None:
        if not self.released:
            self._record(EmailReleased)

    @applies(EmailClaimed)
    def _claimed(self, event: EmailClaimed) -> None:
        self.user_id, self.released = event.user_id, False

    @applies(EmailReleased)
    def _released(self, event: EmailReleased) -> None:
        self.released = True


class AdminSeat(Aggregate):
    user_id: UUID

    @classmethod
    def take(cls, user_id: UUID) -> AdminSeat:
        seat = cls(ADMIN_SEAT_ID)
        seat._record(FirstAdminSeated, user_id=user_id)
        return seat

    @applies(FirstAdminSeated)
    def _seated(self, event: FirstAdminSeated) -> None:
        self.user_id = event.user_id
