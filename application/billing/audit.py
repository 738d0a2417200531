"""Auditing the ledger from its events, never from a read model: an account's balance at any
moment, and a check of every balance the read model serves.

`verify` recomputes each balance twice from the account's events, by folding them into the
aggregate and by summing the entries' amounts, and compares both with the `balances` read
model (given as a mapping, by the caller that reads it).

`balance_as_of`, when the account's history is in time order, finds the last event at or
before the moment by bisecting the versions, then adds the entries up to it to the balance of
the latest snapshot before it: a snapshot is itself the fold of the events before it (and
`verify` still folds them all), so this answers from the events in a few reads instead of one
read of the whole history."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

from application.shared.store import EventStore
from domain.billing.events import AccountOpened
from domain.billing.history import moved
from domain.billing.ledger import LedgerAccount
from domain.billing.rules import account_id
from domain.shared.aggregate import Snapshot
from domain.shared.events import DomainEvent


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
        """The sum of every entry recorded at or before `when` (None: no account)."""
        stream_id = account_id(user_id)
        if not self.store.exists(stream_id):
            return None
        account = self.store.load(LedgerAccount, stream_id)
        if not account.in_time_order:
            return self.summed_as_of(stream_id, when)
        if account.recorded_through <= when:
            return account.balance
        last = self._last_at_or_before(stream_id, when, account.version)
        if last == 0:
            return Decimal(0)
        version, balance = self._snapshot_at_or_before(stream_id, last)
        return balance + moved(self._events(stream_id, gt=version, lte=last))

    def summed_as_of(self, stream_id: UUID, when: datetime) -> Decimal:
        """The slow, assumption-free answer: every event of the account read and summed."""
        return moved(self._events(stream_id), when)

    def _last_at_or_before(self, stream_id: UUID, when: datetime, head: int) -> int:
        """The version of the last event recorded at or before `when` (0: none), bisecting
        the versions one small event read at a time (the history is in time order)."""
        low, high = 1, head
        found = 0
        while low <= high:
            middle = (low + high) // 2
            (event,) = self._events(stream_id, gt=middle - 1, lte=middle)
            if event.timestamp <= when:
                found, low = middle, middle + 1
            else:
                high = middle - 1
        return found

    def _snapshot_at_or_before(self, stream_id: UUID, version: int) -> tuple[int, Decimal]:
        """(version, balance) of the latest snapshot at or before `version`; (0, 0) when
        there is none or it is shredded (then every event up to `version` is summed)."""
        snapshots = self.store.snapshots
        found = (
            []
            if snapshots is None
            else list(snapshots.get(stream_id, lte=version, desc=True, limit=1))
        )
        state = cast(Snapshot, found[0]).state if found else None
        if state is None:
            return 0, Decimal(0)
        return found[0].originator_version, Decimal(state["balance"])

    def _events(self, stream_id: UUID, **query: Any) -> Iterable[DomainEvent]:
        return cast(Iterable[DomainEvent], self.store.events.get(stream_id, **query))

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
            summed = moved(events)
            row = left.pop(user, None)
            if user in closed_users and row is None:
                continue
            if not (account.balance == summed == row):
                differences.append(Difference(user, account.balance, summed, row))
        differences += [Difference(user, None, None, row) for user, row in left.items()]
        return checked, differences


def _shown(value: Decimal | None) -> str:
    return "nothing" if value is None else f"{value.normalize():f}"
