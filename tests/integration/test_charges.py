"""Charges on the embedded store: auto-refill at the balance check, stale holds, releases."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest

from application.billing.charges import Charges, TokenBalance, TurnCharge, TurnUsage
from application.billing.config import BalanceSettings
from domain.billing.ledger import LedgerAccount
from domain.billing.prices import load_price_table
from domain.billing.rules import account_id


def _charges(container: Any, settings: BalanceSettings) -> Charges:
    return Charges(container.stores["billing"], settings, load_price_table())


def _account(container: Any, user_id: Any) -> LedgerAccount:
    return container.stores["billing"].load(LedgerAccount, account_id(user_id))


def test_a_turn_the_balance_cannot_cover_is_refilled_first_once_per_interval(
    container_for: Callable[..., Any],
) -> None:
    container = container_for("sqlite")
    settings = BalanceSettings(
        enabled=True,
        start_balance=0,
        auto_refill_enabled=True,
        refill_interval_value=1,
        refill_interval_unit="seconds",
        refill_amount=1000,
    )
    charges = _charges(container, settings)
    user_id = uuid4()
    container.stores["billing"].commit(LedgerAccount.open(user_id))  # the interval starts
    time.sleep(1.05)
    first = TurnCharge(user_id, "a", "gpt-4o", 100, conversation_id=uuid4())  # 250 credits
    charges.hold(first)
    account = _account(container, user_id)
    assert account.balance == 1000 and account.held == 250
    assert "autoRefill:" in " ".join(account.transfers)
    charges.settle(first, TurnUsage(100, 100))  # 250 + 1000 = 1250: capped at what is left
    assert _account(container, user_id).balance == 0
    # the same interval: no second refill, so the next turn is refused
    with pytest.raises(TokenBalance) as refused:
        charges.hold(TurnCharge(user_id, "b", "gpt-4o", 100, conversation_id=uuid4()))
    assert refused.value.message() == {
        "type": "token_balance",
        "balance": 0,
        "tokenCost": 250,
        "promptTokens": 100,
    }
    time.sleep(1.05)
    charges.hold(TurnCharge(user_id, "c", "gpt-4o", 100, conversation_id=uuid4()))
    assert _account(container, user_id).balance == 1000


def test_a_new_turn_releases_the_hold_a_dead_turn_left_in_its_conversation(
    container_for: Callable[..., Any],
) -> None:
    container = container_for("sqlite")
    charges = _charges(container, BalanceSettings(enabled=True, start_balance=1000))
    user_id, conversation = uuid4(), uuid4()
    dead = TurnCharge(user_id, "dead", "gpt-4o", 100, conversation_id=conversation)
    charges.hold(dead)
    assert _account(container, user_id).held == 250
    charges.hold(TurnCharge(user_id, "next", "gpt-4o", 40, conversation_id=conversation))
    account = _account(container, user_id)
    assert account.held == 100 and list(account.holds) == ["turn:next:hold"]
    # the dead turn settling late still pays for what it used, from the free credit
    charges.settle(dead, TurnUsage(10, 0))
    assert _account(container, user_id).balance == 1000 - 25


def test_a_failed_turn_that_used_nothing_releases_its_hold_once(
    container_for: Callable[..., Any],
) -> None:
    container = container_for("sqlite")
    charges = _charges(container, BalanceSettings(enabled=True, start_balance=1000))
    user_id = uuid4()
    charge = TurnCharge(user_id, "t", "gpt-4o", 100, conversation_id=uuid4())
    charges.hold(charge)
    first = charges.settle(charge, None)
    assert first is not None and first.kind == "release"
    assert charges.settle(charge, TurnUsage(5, 5)) == first  # a later delivery changes nothing
    account = _account(container, user_id)
    assert account.balance == 1000 and account.held == 0


def test_nothing_is_recorded_while_balance_is_off(container_for: Callable[..., Any]) -> None:
    container = container_for("sqlite")
    charges = _charges(container, BalanceSettings(enabled=False))
    charge = TurnCharge(uuid4(), "t", "gpt-4o", 10**9)
    assert charges.hold(charge) is None and charges.settle(charge, TurnUsage(1, 1)) is None
    assert container.stores["billing"].head() == 0


def test_a_swept_orphan_settles_the_hold_its_dead_turn_left(
    container_for: Callable[..., Any],
) -> None:
    container = container_for("sqlite")
    charges = _charges(container, BalanceSettings(enabled=True, start_balance=1000))
    user_id, conversation = uuid4(), uuid4()
    charges.hold(TurnCharge(user_id, "lost", "gpt-4o", 100, conversation_id=conversation))
    orphan = TurnCharge(user_id, "orphan-answer", "gpt-4o", 0, conversation_id=conversation)
    receipt = charges.settle(orphan, TurnUsage(0, 10, aborted=True))
    account = _account(container, user_id)
    assert receipt is not None and receipt.kind == "spend" and account.held == 0
    assert account.balance == 1000 + receipt.amount < 1000
    # a refused turn of another conversation still adopts nothing
    other = TurnCharge(user_id, "refused", "gpt-4o", 0, conversation_id=uuid4())
    assert charges.settle(other, TurnUsage(5, 5)) is None
