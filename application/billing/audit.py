"""Auditing the ledger from its events, never from a read model: an account's balance at any
moment, and a check of every balance the read model serves.

`verify` recomputes each balance twice from the account's events, by folding them into the
aggregate and by summing the entries' amounts, and compares both with the `balances` read
model (given as a mapping, by the caller that reads it)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import cast
from uuid import UUID

from application.shared.store import EventStore
from domain.billing.events import AccountOpened, BalanceAdjusted, CreditsGranted, SpendPosted
from domain.billing.ledger import LedgerAccount
from domain.billing.rules import account_id
from domain.shared.events import DomainEvent

MOVES = (CreditsGranted, SpendPosted, BalanceAdjusted)


@dataclass(frozen=True)
class Difference:
    user_id: str
    replayed: Decimal | None  # folding the events (None: no account in the store)
    summed: Decimal | None  # adding up the entries
    served: Decimal | None  # what the read model serves (None: no row)

    def describe(self) -> str:
        return (
            f"{self.user_id}: events say {_shown(self.replayed)} (entries sum to "
            f"{_shown(self.summed)}), the read model says {_shown(self.served)}"
        )


class Audit:
    def __init__(self, store: EventStore) -> None:
        self.store = store

    def account(self, user_id: UUID) -> LedgerAccount | None:
        if not self.store.exists(account_id(user_id)):
            return None
        return self.store.load(LedgerAccount, account_id(user_id))

    def balance_as_of(self, user_id: UUID, when: datetime) -> Decimal | None:
        """The sum of every entry recorded at or before `when` (None: no account), straight
        from the events: independent of the aggregate's bookkeeping, and without it twice
        as fast (every event is still read: clocks of two processes may disagree, so a
        later version may carry an earlier time)."""
        stream_id = account_id(user_id)
        if not self.store.exists(stream_id):
            return None
        events = cast(Iterable[DomainEvent], self.store.events.get(stream_id))
        moves = (e.amount for e in events if isinstance(e, MOVES) and e.timestamp <= when)
        return sum(moves, Decimal(0))

    def accounts(self) -> Iterator[UUID]:
        """The ids of every account, as they were opened."""
        return self.store.originators(AccountOpened.TOPIC)

    def verify(
        self, served: Mapping[str, Decimal], closed: Iterable[str] = ()
    ) -> tuple[int, list[Difference]]:
        """(accounts checked, differences). Users in `closed` (deleted) have no row by design."""
        left = dict(served)
        closed_users = set(closed)
        differences, checked = [], 0
        for stream_id in self.accounts():
            events = list(cast(Iterable[DomainEvent], self.store.events.get(stream_id)))
            account = LedgerAccount.project(None, events)
            if account is None:
                continue
            checked += 1
            user = str(account.user_id)
            summed = sum((e.amount for e in events if isinstance(e, MOVES)), Decimal(0))
            row = left.pop(user, None)
            if user in closed_users and row is None:
                continue
            if not (account.balance == summed == row):
                differences.append(Difference(user, account.balance, summed, row))
        differences += [Difference(user, None, None, row) for user, row in left.items()]
        return checked, differences


def _shown(value: Decimal | None) -> str:
    return "nothing" if value is None else f"{value.normalize():f}"
