"""A long ledger account loads from its latest snapshot, decides the same across it, and the
auditor's balance-as-of answers from a snapshot plus the events after it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from application.billing.audit import Audit
from application.billing.charges import Charges, TurnCharge, TurnUsage
from application.billing.config import BalanceSettings
from domain.billing.ledger import LedgerAccount
from domain.billing.prices import load_price_table
from domain.billing.rules import TransferExpired, account_id

ENTRIES = 1_200  # over two snapshot intervals (500) and two windows of remembered transfers


def _long_account(store: Any) -> tuple[LedgerAccount, datetime, Decimal]:
    """An account of ENTRIES credits, committed in batches; a moment in its middle and the
    balance then."""
    account = LedgerAccount.open(uuid.uuid4())
    start = datetime.now(UTC)
    middle, then = start, Decimal(0)
    for n in range(ENTRIES):
        account.credit(f"c{n}", n % 7 + 1, issued_at=start + timedelta(microseconds=n))
        if n == 700:
            store.commit(account)
            time.sleep(0.002)
            middle, then = datetime.now(UTC), account.balance
            time.sleep(0.002)
        elif n % 250 == 249:
            store.commit(account)
    store.commit(account)
    return account, middle, then


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_long_account_loads_from_a_snapshot_and_decides_the_same(
    kind: str, container_for: Callable[..., Any]
) -> None:
    # Given an account of 1,200 entries (no aggregate cache: the store's own path)
    container = container_for(kind, aggregate_cache_size=0)
    store = container.stores["billing"]
    account, _, _ = _long_account(store)
    # When it is loaded again
    loaded = store.load(LedgerAccount, account.id)
    # Then it came from a snapshot, and is the same account
    snapshots = list(store.snapshots.get(account.id, desc=True, limit=1))
    assert snapshots and snapshots[0].originator_version == 1000
    assert loaded.version == account.version and loaded.balance == account.balance
    assert loaded.transfers == account.transfers
    assert loaded.forgotten_through == account.forgotten_through is not None
    # And across the snapshot: a transfer remembered returns its first receipt, recording
    # nothing; one forgotten is refused
    version = loaded.version
    remembered = f"c{ENTRIES - 400}"  # recorded before the snapshot, still remembered
    first = account.receipt(remembered)
    issued = account.transfers[remembered].issued_at
    assert (
        first is not None
        and loaded.credit(remembered, (ENTRIES - 400) % 7 + 1, issued_at=issued) == first
    )
    with pytest.raises(TransferExpired):
        loaded.credit("c3", 4, issued_at=account.forgotten_through)
    assert store.commit(loaded) is None
    assert store.load(LedgerAccount, account.id).version == version


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_balance_as_of_from_a_snapshot_matches_the_full_sum(
    kind: str, container_for: Callable[..., Any]
) -> None:
    container = container_for(kind, aggregate_cache_size=0)
    store = container.stores["billing"]
    account, middle, then = _long_account(store)
    audit = Audit(store)
    assert audit.balance_as_of(account.user_id, middle) == then
    assert audit.summed_as_of(account.id, middle) == then
    for moment in (middle - timedelta(days=1), datetime.now(UTC) + timedelta(days=1)):
        assert audit.balance_as_of(account.user_id, moment) == audit.summed_as_of(
            account.id, moment
        )
    assert audit.balance_as_of(account.user_id, datetime.now(UTC)) == account.balance


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_turn_settled_again_across_a_snapshot_charges_once(
    kind: str, container_for: Callable[..., Any]
) -> None:
    # Given a turn held and settled (versions 3 and 4 of its account)
    container = container_for(kind, aggregate_cache_size=0)
    store = container.stores["billing"]
    settings = BalanceSettings(enabled=True, start_balance=10_000_000)
    charges = Charges(store, settings, load_price_table())
    user = uuid.uuid4()
    started = datetime.now(UTC)
    charge = TurnCharge(user, "t1", "gpt-4o", 100, conversation_id=uuid.uuid4(), started_at=started)
    charges.hold(charge)
    first = charges.settle(charge, TurnUsage(100, 50))

    def credit(count: int, offset: int) -> Decimal:
        account = store.load(LedgerAccount, account_id(user))
        for n in range(count):
            account.credit(f"c{offset + n}", 1)
        store.commit(account)
        return store.load(LedgerAccount, account_id(user)).balance

    # And other entries up to a snapshot at version 500, the turn still remembered
    balance = credit(496, 0)
    assert [s.originator_version for s in store.snapshots.get(user_account(user))] == [500]
    # When the turn is settled again, it returns its first receipt and records nothing
    assert charges.settle(charge, TurnUsage(100, 50)) == first
    assert store.load(LedgerAccount, account_id(user)).version == 500
    # And once the account has forgotten it (a late sweep), it is refused, never charged again
    balance = credit(100, 496)
    assert charges.settle(charge, TurnUsage(100, 50)) is None  # its hold is not known either
    with pytest.raises(TransferExpired):
        charges.hold(charge)  # a hold it may have recorded: refused
    assert store.load(LedgerAccount, account_id(user)).balance == balance


def user_account(user: uuid.UUID) -> uuid.UUID:
    return account_id(user)
