"""Done-when for charging: 50 simultaneous turns on one account with credit for 10, on
PostgreSQL, with retried holds and duplicated settlements injected."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable
from decimal import Decimal
from typing import Any, cast
from uuid import UUID, uuid4

import pytest

from application.billing.charges import Charges, TokenBalance, TurnCharge, TurnUsage
from application.billing.config import BalanceSettings
from application.chat.catalog import Endpoint
from application.chat.ports import Chunk, ModelRequest, TextDelta, Usage
from application.chat.turns import StartChat
from domain.billing.events import BalanceAdjusted, CreditsGranted, SpendPosted
from domain.billing.ledger import LedgerAccount
from domain.billing.prices import load_price_table
from domain.billing.rules import account_id
from domain.shared.events import DomainEvent

TURNS, AFFORDABLE = 50, 10
MOVES = (CreditsGranted, SpendPosted, BalanceAdjusted)


def _events(store: Any, user_id: UUID) -> list[DomainEvent]:
    return list(cast(Iterable[DomainEvent], store.events.get(account_id(user_id))))


def _check_ledger(store: Any, user_id: UUID, start: Decimal) -> LedgerAccount:
    """Balance == sum of entries, never below zero at any entry, every transfer once."""
    events = _events(store, user_id)
    transfers = Counter(getattr(e, "transfer_id", None) for e in events[1:])
    assert max(transfers.values()) == 1, transfers.most_common(3)
    running, held, holds = Decimal(0), Decimal(0), {}
    for event in events:
        if isinstance(event, MOVES):
            running += event.amount
        kind = type(event).__name__
        if kind == "CreditsHeld":
            holds[event.transfer_id] = event.amount  # type: ignore[attr-defined]
            held += event.amount  # type: ignore[attr-defined]
        elif kind in ("SpendPosted", "HoldReleased") and event.hold_id in holds:  # type: ignore[attr-defined]
            held -= holds.pop(event.hold_id)  # type: ignore[attr-defined]
        assert running >= 0 and running - held >= 0
    granted = sum(e.amount for e in events if isinstance(e, CreditsGranted))
    assert granted == start  # no refill, no credit but the start balance
    account = store.load(LedgerAccount, account_id(user_id))
    assert account.balance == running and account.held == held == 0
    return account


def test_fifty_simultaneous_turns_on_credit_for_ten(
    container_for: Callable[..., Any],
) -> None:
    # every turn holds 100 prompt tokens at the default rate 6 and uses exactly that
    start = Decimal(100 * 6 * AFFORDABLE)
    container = container_for(
        "postgres", balance=BalanceSettings(enabled=True, start_balance=int(start))
    )
    store = container.stores["billing"]
    charges = Charges(store, container.settings.balance, load_price_table())
    user_id = uuid4()
    container.billing.open(user_id)
    outcomes: list[str] = []
    barrier = threading.Barrier(TURNS)

    def turn(n: int) -> None:
        charge = TurnCharge(user_id, f"t{n}", "some-model", 100, conversation_id=uuid4())
        barrier.wait()
        try:
            charges.hold(charge)
            charges.hold(charge)  # a retried start: the same hold again
        except TokenBalance:
            outcomes.append("refused")
            return
        used = TurnUsage(prompt=100, completion=0)
        charges.settle(charge, used)
        charges.settle(charge, used)  # a duplicated delivery
        charges.settle(charge, TurnUsage(prompt=0, completion=0, aborted=True))  # a late sweep
        outcomes.append("charged")

    threads = [threading.Thread(target=turn, args=(n,)) for n in range(TURNS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert Counter(outcomes) == {"charged": AFFORDABLE, "refused": TURNS - AFFORDABLE}
    account = _check_ledger(store, user_id, start)
    assert account.balance == 0
    spends = [e for e in _events(store, user_id) if isinstance(e, SpendPosted)]
    assert len(spends) == AFFORDABLE and all(s.amount == -600 for s in spends)


class FixedModel:
    """Answers "ok" and reports exactly the prompt Chronicle counts for the text "hi"."""

    async def stream(self, request: ModelRequest) -> AsyncIterator[Chunk]:
        await asyncio.sleep(0.01)
        yield TextDelta("ok")
        yield Usage(prompt=5, completion=0)  # 3 + "user" (1) + "hi" (1)


@pytest.mark.timeout(240)
async def test_fifty_simultaneous_chat_turns_charge_exactly_the_affordable_ten(
    container_for: Callable[..., Any],
) -> None:
    start = Decimal(5 * 6 * AFFORDABLE)
    container = await asyncio.to_thread(
        container_for,
        "distributed",
        balance=BalanceSettings(enabled=True, start_balance=int(start)),
    )
    chat = container.chat
    chat.catalog.add(Endpoint("fixed", FixedModel(), ["some-model"]))
    user_id = uuid4()
    await asyncio.to_thread(container.billing.open, user_id)

    tasks: list[asyncio.Task[None]] = []

    async def one(n: int) -> str:
        command = StartChat(text="hi", endpoint="fixed", client_request_id=f"r{n}")
        started = await chat.start(user_id, command)
        tasks.append(chat.generations.tasks[started["streamId"]])
        again = await chat.start(user_id, command)  # a retried request attaches to the first
        assert again["conversationId"] == started["conversationId"]
        return str(started["streamId"])

    streams = await asyncio.gather(*(one(n) for n in range(TURNS)))
    await asyncio.gather(*tasks)
    jobs = [await chat.bus.get(s) for s in streams]
    statuses = Counter(job.status for job in jobs if job is not None)
    assert statuses == {"completed": AFFORDABLE, "error": TURNS - AFFORDABLE}
    for job in jobs:  # every finished turn settled again, as a sweep on another node would
        assert job is not None
        await chat.generations.billing.settle(job, Usage(), "aborted")
    account = await asyncio.to_thread(_check_ledger, container.stores["billing"], user_id, start)
    assert account.balance == 0
    spends = [
        e for e in _events(container.stores["billing"], user_id) if isinstance(e, SpendPosted)
    ]
    assert len(spends) == AFFORDABLE
