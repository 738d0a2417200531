"""Balances read off an account's events, independent of the aggregate's bookkeeping."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from domain.billing.events import BalanceAdjusted, CreditsGranted, SpendPosted
from domain.shared.events import DomainEvent

MOVES = (CreditsGranted, SpendPosted, BalanceAdjusted)


def moved(events: Iterable[DomainEvent], when: datetime | None = None) -> Decimal:
    """The sum of the entries' amounts (recorded at or before `when`, if given). Every event
    is looked at: clocks of two processes may disagree, so a later version may carry an
    earlier time."""
    return sum(
        (
            e.amount
            for e in events
            if isinstance(e, MOVES) and (when is None or e.timestamp <= when)
        ),
        Decimal(0),
    )
