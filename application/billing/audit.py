"""Auditing the ledger from its events, never from a read model: an account's balance at any
moment, and a check of every balance the read model serves.

`verify` recomputes each balance twice from the account's events, by folding them into the
aggregate and by summing the entries' amounts, and compares both with the `balances` read
model (given as a mapping, by the caller that reads it).

`balance_as_of` starts, when the account's history is in time order, from its latest
snapshot whose every event is at or before the moment, and sums the entries after it up to
the first event later than the moment: a snapshot is itself the fold of the events before
it (and `verify` still folds them all), so this answers from the events in a few reads
instead of one read of the whole history."""

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

PAGE = 500  # events read at a time after the starting snapshot


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
        if not self.store.load(LedgerAccount, stream_id).in_time_order:
            return self.summed_as_of(stream_id, when)
        version, balance = self._checkpoint(stream_id, when)
        while True:
            page = list(self._events(stream_id, gt=version, limit=PAGE))
            for event in page:
                if event.timestamp > when:
                    return balance
                balance += moved([event])
            if len(page) < PAGE:
                return balance
            version = page[-1].originator_version

    def summed_as_of(self, stream_id: UUID, when: datetime) -> Decimal:
        """The slow, assumption-free answer: every event of the account read and summed."""
        return moved(self._events(stream_id), when)

    def _checkpoint(self, stream_id: UUID, when: datetime) -> tuple[int, Decimal]:
        """(version, balance) of the latest snapshot whose events are all at or before
        `when`, by bisecting the snapshots (`recorded_through` grows with the version);
        (0, 0) when there is none."""
        best: tuple[int, Decimal] = (0, Decimal(0))
        snapshots = self.store.snapshots
        if snapshots is None:
            return best
        low, high = 1, self._head(stream_id)
        while low <= high:
            middle = (low + high) // 2
            found = list(snapshots.get(stream_id, lte=middle, desc=True, limit=1))
            state = cast(Snapshot, found[0]).state if found else None
            if state is None or "recorded_through" not in state:
                low = middle + 1  # none at or below, or unusable (shredded): look above
                continue
            version = found[0].originator_version
            if datetime.fromisoformat(state["recorded_through"]) <= when:
                best = max(best, (version, Decimal(state["balance"])))
                low = middle + 1
            else:
                high = version - 1
        return best

    def _head(self, stream_id: UUID) -> int:
        last = list(self._events(stream_id, desc=True, limit=1))
        return last[0].originator_version if last else 0

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
