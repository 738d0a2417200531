"""The billing read models batch their writes: applied in batches they leave exactly the rows
that applying event by event leaves, in a few statements per batch."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import msgspec
import sqlalchemy as sa

from domain.billing.events import HoldReleased, SpendPosted
from domain.billing.ledger import LedgerAccount
from domain.billing.prices import load_price_table
from domain.billing.refill import RefillPolicy
from domain.billing.spends import Pricing, spend_tokens
from domain.identity.events import UserDeleted
from domain.shared.errors import DomainError
from projections.billing.balances import BalanceProjection
from projections.billing.transactions import TransactionsProjection
from projections.engine.writes import BufferedRows

PROJECTIONS = [BalanceProjection(), TransactionsProjection()]
PRICES = load_price_table()


def _events(seed: int, count: int = 150) -> list[Any]:
    """A few users' entries interleaved: credits, holds, spends, releases, adjustments and
    refills; some spends and releases in the older format (not naming what they released);
    one user deleted midway."""
    rng = random.Random(seed)
    accounts = [LedgerAccount.open(uuid.uuid4(), rng.randint(0, 5000)) for _ in range(3)]
    events: list[Any] = [e for a in accounts for e in a.collect_events()]
    for n in range(count):
        account = rng.choice(accounts)
        model = rng.choice(["gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet"])
        try:
            _operate(rng, account, n, model)
        except DomainError:
            continue
        for event in account.collect_events():
            if isinstance(event, SpendPosted | HoldReleased) and rng.random() < 0.3:
                event = msgspec.structs.replace(event, released=None)
            events.append(event)
        if n == count // 2:
            user = accounts[0].user_id
            at = events[-1].timestamp
            events.append(UserDeleted(originator_id=user, originator_version=9, timestamp=at))
    return events


def _operate(rng: random.Random, account: LedgerAccount, n: int, model: str) -> None:
    open_holds = list(account.holds)
    choice = rng.random()
    if choice < 0.25:
        account.credit(f"c{n}", rng.randint(1, 900))
    elif choice < 0.5:
        account.hold(f"h{n}", rng.randint(0, 300), model=model)
    elif choice < 0.75:
        lines = spend_tokens(Pricing(PRICES, model), prompt_tokens=n, completion_tokens=n // 2)
        hold = rng.choice(open_holds) if open_holds and rng.random() < 0.7 else None
        account.post_spend(f"s{n}", lines, hold_id=hold)
    elif choice < 0.85 and open_holds:
        account.release(f"r{n}", rng.choice(open_holds))
    elif choice < 0.95:
        account.adjust(f"a{n}", rng.randint(0, 9000))
    else:
        policy = RefillPolicy(
            enabled=True, interval_value=1, interval_unit="seconds", amount=Decimal(500)
        )
        account.auto_refill(policy, 10**9, account.recorded_through + timedelta(days=1))


def _apply(events: list[Any], batch: int) -> tuple[dict[str, list[Any]], int]:
    engine = sa.create_engine("sqlite://")
    metadata = sa.MetaData()
    tables = [p.define(metadata, lambda name: name) for p in PROJECTIONS]
    metadata.create_all(engine)
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    with engine.begin() as conn:
        sa.event.listen(conn, "before_cursor_execute", count)
        for projection, own in zip(PROJECTIONS, tables, strict=True):
            kinds = tuple(k for ks in projection.subscriptions.values() for k in ks)
            read = [e for e in events if isinstance(e, kinds)]  # as the engine selects them
            for first in range(0, len(read), batch):
                rows = BufferedRows(conn)
                for event in read[first : first + batch]:
                    projection.apply(rows, own, event)
                rows.flush()
        sa.event.remove(conn, "before_cursor_execute", count)
        return {
            name: sorted(tuple(map(str, row)) for row in conn.execute(sa.select(table)))
            for own in tables
            for name, table in own.items()
        }, statements


def test_batched_billing_projections_equal_event_by_event() -> None:
    for seed in range(4):
        events = _events(seed)
        for cut in range(10, len(events) + 1, 37):
            expected, _ = _apply(events[:cut], 1)
            for batch in (7, 50, 1000):
                assert _apply(events[:cut], batch)[0] == expected, (seed, cut, batch)


def test_a_batch_of_entries_is_a_few_statements() -> None:
    # Given 1,000 credits of one account, in one batch
    account = LedgerAccount.open(uuid.uuid4(), 10)
    for n in range(1000):
        account.credit(f"c{n}", n % 7 + 1)
    events = account.collect_events()
    # When both projections apply them
    rows, statements = _apply(events, 2000)
    # Then each table is written in a statement or two, the tombstones read once per user
    assert statements <= 12, statements
    assert len(rows["ledger_entries"]) == 1001 and len(rows["transactions"]) == 1001
