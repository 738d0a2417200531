"""Property tests: the matcher's longest-key rule, and the ledger's invariants under random
sequences of credits, holds, spends, releases, adjustments and repeated transfer ids."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.billing.events import (
    BalanceAdjusted,
    CreditsGranted,
    SpendLine,
    SpendPosted,
)
from domain.billing.history import moved
from domain.billing.ledger import LedgerAccount
from domain.billing.matching import find_matching_pattern
from domain.billing.prices import load_price_table
from domain.shared.errors import DomainError
from domain.shared.events import DomainEvent

KEYS = list(load_price_table().token_values)
NAME_CHARS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-.:", max_size=12)


@st.composite
def model_ids(draw: st.DrawFn) -> str:
    """A name that contains a table key somewhere, with anything around it."""
    return draw(NAME_CHARS) + draw(st.sampled_from(KEYS)) + draw(NAME_CHARS)


@given(model_ids())
def test_longest_contained_key_wins(model: str) -> None:
    matched = find_matching_pattern(model, KEYS)
    contained = [key for key in KEYS if key.lower() in model.lower()]
    assert matched is not None and matched in contained
    assert len(matched) == max(len(key) for key in contained)


@given(model_ids())
def test_case_does_not_change_the_match(model: str) -> None:
    assert find_matching_pattern(model.upper(), KEYS) == find_matching_pattern(model, KEYS)


@given(NAME_CHARS, model_ids())
def test_vendor_prefix_never_changes_a_known_models_key(vendor: str, model: str) -> None:
    assert find_matching_pattern(f"{vendor}/{model}", KEYS) == find_matching_pattern(model, KEYS)


def test_key_naming_the_vendor_beats_the_bare_model() -> None:
    keys = ["kimi-k2", "moonshot", "moonshotai/kimi-k2"]
    assert find_matching_pattern("moonshotai/kimi-k2-0905", keys) == "moonshotai/kimi-k2"
    assert find_matching_pattern("moonshotai/kimi-k2-0905", keys[:2]) == "kimi-k2"


def test_same_length_tie_goes_to_the_later_key() -> None:
    assert find_matching_pattern("abc-xyz", ["abc", "xyz"]) == "xyz"
    assert find_matching_pattern("abc-xyz", ["xyz", "abc"]) == "abc"


# ------------------------------------------------------------------- ledger
TIDS = st.sampled_from([f"t{i}" for i in range(8)])
AMOUNTS = st.integers(0, 3000).map(Decimal) | st.decimals(
    0, 3000, places=3, allow_nan=False, allow_infinity=False
)
LINES = st.lists(
    AMOUNTS.map(
        lambda value: SpendLine(
            token_type="prompt",
            model="m",
            context="message",
            value_key=None,
            rate=1.0,
            raw_amount=-int(value),
            token_value=-value,
        )
    ),
    max_size=3,
)
OPS = st.one_of(
    st.tuples(st.just("credit"), TIDS, AMOUNTS),
    st.tuples(st.just("hold"), TIDS, AMOUNTS),
    st.tuples(st.just("spend"), TIDS, st.none() | TIDS, LINES),
    st.tuples(st.just("release"), TIDS, TIDS),
    st.tuples(st.just("adjust"), TIDS, AMOUNTS),
    st.tuples(st.just("repeat"), st.integers(0, 100)),
)


def run(ledger: LedgerAccount, op: tuple[Any, ...]) -> Any:
    kind, tid, *rest = op
    if kind == "credit":
        return ledger.credit(tid, rest[0])
    if kind == "hold":
        return ledger.hold(tid, rest[0])
    if kind == "spend":
        return ledger.post_spend(tid, rest[1], hold_id=rest[0])
    if kind == "release":
        return ledger.release(tid, rest[0])
    return ledger.adjust(tid, rest[0])


def state(ledger: LedgerAccount) -> tuple[Any, ...]:
    return ledger.balance, ledger.held, ledger.holds, ledger.transfers, ledger.recorded_through


def check_invariants(ledger: LedgerAccount, events: list[DomainEvent]) -> None:
    moves = [
        e.amount for e in events if isinstance(e, CreditsGranted | SpendPosted | BalanceAdjusted)
    ]
    assert ledger.balance == sum(moves, Decimal(0))
    assert ledger.balance >= 0 and ledger.available >= 0
    assert ledger.held == sum(ledger.holds.values(), Decimal(0))
    transfer_ids = [getattr(e, "transfer_id") for e in events[1:]]  # noqa: B009
    assert len(transfer_ids) == len(set(transfer_ids))
    replayed = LedgerAccount.project(None, events)
    assert replayed is not None and state(replayed) == state(ledger)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 5000), st.lists(OPS, max_size=40))
def test_ledger_invariants_hold_for_any_sequence(start: int, ops: list[tuple[Any, ...]]) -> None:
    ledger = LedgerAccount.open(uuid.uuid4(), start)
    events: list[DomainEvent] = ledger.collect_events()
    done: list[tuple[tuple[Any, ...], Any]] = []
    for op in ops:
        if op[0] == "repeat":
            if not done:
                continue
            op, first = done[op[1] % len(done)]
            # Given a transfer already recorded, when it comes again, nothing changes
            before = state(ledger)
            assert run(ledger, op) == first
            assert ledger.collect_events() == [] and state(ledger) == before
            continue
        before, seen = state(ledger), op[1] in ledger.transfers
        try:
            receipt = run(ledger, op)
        except DomainError:
            # A refused command records nothing
            assert ledger.collect_events() == [] and state(ledger) == before
            continue
        new = ledger.collect_events()
        assert len(new) == (0 if seen else 1)
        events += new
        done.append((op, receipt))
        check_invariants(ledger, events)
    check_balance_as_of(ledger, events)


def check_balance_as_of(ledger: LedgerAccount, events: list[DomainEvent]) -> None:
    """Replaying the events up to any instant gives the balance as of that instant."""
    for event in events:
        upto = [e for e in events if e.timestamp <= event.timestamp]
        replayed = LedgerAccount.project(None, upto)
        assert replayed is not None
        assert moved(events, event.timestamp) == replayed.balance
