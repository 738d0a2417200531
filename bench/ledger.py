"""The ledger at scale, one account of many entries, each figure against a baseline measured
in the same run:

- balance as of a moment in the middle of the history: the auditor's answer from the events
  (application/billing/audit.py) against a SQL sum over the `ledger_entries` read model;
- a cold charge (hold + settle, no aggregate cache) on that account against the same charge on
  a new account;
- the billing read models' catch-up (`transactions` and `balances`), events/s, against the
  rate the entries were appended at."""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import msgspec

from application.billing.audit import Audit
from application.billing.charges import Charges, TurnCharge, TurnUsage
from application.billing.config import BalanceSettings
from application.bootstrap import Container, bootstrap
from bench.append import bench_settings
from bench.common import Row
from domain.billing.ledger import LedgerAccount
from domain.billing.prices import load_price_table
from projections.billing.transactions import sum_of_entries

BATCH = 1000  # entries per commit while building the account


def run(url: str, entries: int, rounds: int = 5) -> list[Row]:
    settings = msgspec.structs.replace(bench_settings(url), aggregate_cache_size=0)
    container = bootstrap(settings, workers=False)
    try:
        started = time.perf_counter()
        user_id, middle, expected = _account(container, entries)
        appended = entries / (time.perf_counter() - started)
        applied = _catch_up(container, entries)
        audit = Audit(container.stores["billing"])
        ours = _median(rounds, lambda: audit.balance_as_of(user_id, middle), expected)

        def summed() -> Decimal:
            with container.reads.connect() as conn:
                return sum_of_entries(conn, str(user_id), middle)

        theirs = _median(rounds, summed, expected)
        long_charge, new_charge = _charges(container, user_id, rounds)
    finally:
        container.close()
    return [
        Row(
            "balance as of",
            f"{entries} entries",
            ours * 1000,
            theirs * 1000,
            "ms; baseline: SQL sum over ledger_entries",
            higher_is_better=False,
        ),
        Row(
            "cold charge",
            f"{entries} entries",
            long_charge * 1000,
            new_charge * 1000,
            "ms, hold + settle, no cache; baseline: a new account",
            higher_is_better=False,
        ),
        Row(
            "ledger catch-up",
            f"{entries} entries",
            applied,
            appended,
            "events/s, transactions + balances; baseline: append rate",
        ),
    ]


def _catch_up(container: Container, entries: int) -> float:
    started = time.perf_counter()
    container.projections.catch_up("transactions")
    container.projections.catch_up("balances")
    return entries / (time.perf_counter() - started)


def _charges(container: Container, user_id: uuid.UUID, rounds: int) -> tuple[float, float]:
    """Median seconds of a turn's hold and settle on the long account and on a new one."""
    store = container.stores["billing"]
    charges = Charges(store, BalanceSettings(enabled=True), load_price_table())
    fresh = uuid.uuid4()
    store.commit(LedgerAccount.open(fresh, 1_000_000))

    def charge(user: uuid.UUID) -> Callable[[], None]:
        def turn() -> None:
            turn_id = str(uuid.uuid4())
            started = datetime.now(UTC)
            done = TurnCharge(
                user, turn_id, "gpt-4o", 10, conversation_id=uuid.uuid4(), started_at=started
            )
            charges.hold(done)
            charges.settle(done, TurnUsage(10, 10))

        return turn

    return _seconds(rounds, charge(user_id)), _seconds(rounds, charge(fresh))


def _account(container: Container, entries: int) -> tuple[uuid.UUID, datetime, Decimal]:
    """An account with `entries` credits of 1..7 credits; the moment halfway through, and
    the balance then."""
    store = container.stores["billing"]
    user_id = uuid.uuid4()
    account = LedgerAccount.open(user_id)
    middle, expected = None, Decimal(0)
    for n in range(entries):
        account.credit(f"c{n}", n % 7 + 1)
        if n == entries // 2:
            store.commit(account)
            time.sleep(0.002)
            middle, expected = datetime.now().astimezone(), account.balance
            time.sleep(0.002)
        elif n % BATCH == BATCH - 1:
            store.commit(account)
    store.commit(account)
    assert middle is not None
    return user_id, middle, expected


def _seconds(rounds: int, do: Callable[[], None]) -> float:
    took = []
    for _ in range(rounds):
        started = time.perf_counter()
        do()
        took.append(time.perf_counter() - started)
    return statistics.median(took)


def _median(rounds: int, ask: Callable[[], Decimal | None], expected: Decimal) -> float:
    took = []
    for _ in range(rounds):
        started = time.perf_counter()
        answer = ask()
        took.append(time.perf_counter() - started)
        assert answer == expected, (answer, expected)
    return statistics.median(took)
