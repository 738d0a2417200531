"""Balance as of a moment for an account with many entries: the auditor's answer (the
account's events, application/billing/audit.py) against a SQL sum over the `ledger_entries`
read model, in the same run. Asked for a moment in the middle of the history."""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from application.billing.audit import Audit
from application.bootstrap import Container, bootstrap
from bench.append import bench_settings
from bench.common import Row
from domain.billing.ledger import LedgerAccount
from projections.billing.transactions import sum_of_entries

BATCH = 1000  # entries per commit while building the account


def run(url: str, entries: int, rounds: int = 5) -> list[Row]:
    container = bootstrap(bench_settings(url), workers=False)
    try:
        user_id, middle, expected = _account(container, entries)
        container.projections.catch_up("transactions")
        audit = Audit(container.stores["billing"])
        ours = _median(rounds, lambda: audit.balance_as_of(user_id, middle), expected)

        def summed() -> Decimal:
            with container.reads.connect() as conn:
                return sum_of_entries(conn, str(user_id), middle)

        theirs = _median(rounds, summed, expected)
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
        )
    ]


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


def _median(rounds: int, ask: Callable[[], Decimal | None], expected: Decimal) -> float:
    took = []
    for _ in range(rounds):
        started = time.perf_counter()
        answer = ask()
        took.append(time.perf_counter() - started)
        assert answer == expected, (answer, expected)
    return statistics.median(took)
