"""Replaying an account's stored events gives its balance at every moment: the auditor's
balance-as-of (folding the events), a replay of the events up to that moment, and the SQL
sum over the `ledger_entries` read model agree, after any sequence of turns and admin
entries (property test, on the embedded store)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, cast
from uuid import UUID, uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.billing.audit import Audit
from application.billing.charges import Charges, TokenBalance, TurnCharge, TurnUsage
from application.billing.config import BalanceSettings
from domain.billing.ledger import LedgerAccount
from domain.billing.prices import load_price_table
from domain.billing.rules import account_id
from domain.shared.errors import DomainError
from domain.shared.events import DomainEvent
from projections.billing.transactions import sum_of_entries

TURN = st.tuples(
    st.just("turn"),
    st.integers(0, 400),  # prompt tokens counted before
    st.one_of(st.none(), st.tuples(st.integers(0, 400), st.integers(0, 300), st.booleans())),
    st.booleans(),  # settled twice
)
ADMIN = st.tuples(st.sampled_from(["add", "set"]), st.integers(0, 5000))
OPS = st.lists(st.one_of(TURN, ADMIN), min_size=1, max_size=12)


def _apply(container: Any, charges: Charges, user_id: UUID, n: int, op: tuple[Any, ...]) -> None:
    kind = op[0]
    if kind == "add":
        with contextlib.suppress(DomainError):  # adding 0 is refused, recording nothing
            container.billing.add(user_id, op[1], f"add-{n}")
    elif kind == "set":
        with contextlib.suppress(DomainError):
            container.billing.set(user_id, op[1], f"set-{n}")
    else:
        _, prompt, usage, twice = op
        charge = TurnCharge(user_id, f"turn-{n}", "gpt-4o", prompt, conversation_id=uuid4())
        try:
            charges.hold(charge)
        except TokenBalance:
            return
        used = None if usage is None else TurnUsage(usage[0], usage[1], aborted=usage[2])
        for _ in range(2 if twice else 1):
            charges.settle(charge, used)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.integers(0, 3000), OPS)
def test_every_moment_of_an_accounts_history_replays_to_its_balance(
    container_for: Callable[..., Any], start: int, ops: list[tuple[Any, ...]]
) -> None:
    container = _container(container_for)
    store = container.stores["billing"]
    container.billing.settings = BalanceSettings(enabled=True, start_balance=start)
    charges = Charges(store, container.billing.settings, load_price_table())
    user_id = uuid4()
    container.billing.open(user_id)
    for n, op in enumerate(ops):
        _apply(container, charges, user_id, n, op)
    events = list(cast(Iterable[DomainEvent], store.events.get(account_id(user_id))))
    audit = Audit(store)
    container.projections.catch_up("transactions")
    with container.db.connect() as conn:
        for event in events:
            upto = [e for e in events if e.timestamp <= event.timestamp]
            replayed = LedgerAccount.project(None, upto)
            assert replayed is not None
            assert audit.balance_as_of(user_id, event.timestamp) == replayed.balance
            assert sum_of_entries(conn, str(user_id), event.timestamp) == replayed.balance
            assert replayed.balance >= 0 and replayed.available >= 0
    final = store.load(LedgerAccount, account_id(user_id))
    assert final.balance == sum(
        (Decimal(getattr(e, "amount", 0)) for e in events if type(e).__name__ != "CreditsHeld"),
        Decimal(0),
    )


_BUILT: dict[int, Any] = {}


def _container(container_for: Callable[..., Any]) -> Any:
    """One embedded container for all of hypothesis's examples (each uses its own user)."""
    key = id(container_for)
    if key not in _BUILT:
        _BUILT.clear()
        _BUILT[key] = container_for("sqlite")
    return _BUILT[key]
