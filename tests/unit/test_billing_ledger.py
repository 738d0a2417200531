"""The LedgerAccount: holds are covered, spends settle them, transfers count once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain.billing.events import CreditsGranted, SpendLine, SpendPosted
from domain.billing.history import moved
from domain.billing.ledger import LedgerAccount
from domain.billing.prices import load_price_table
from domain.billing.refill import RefillPolicy, refill_eligible_at
from domain.billing.rules import HoldSettled, InsufficientCredits, TransferMismatch, account_id
from domain.billing.spends import Pricing, spend_tokens
from domain.shared.aggregate import Snapshot
from domain.shared.errors import Conflict, Invalid, NotFound


def gpt_4o_turn(prompt: int, completion: int) -> tuple[SpendLine, ...]:
    return spend_tokens(
        Pricing(load_price_table(), "gpt-4o"), prompt_tokens=prompt, completion_tokens=completion
    )


def account(start: int = 10_000) -> LedgerAccount:
    ledger = LedgerAccount.open(uuid.uuid4(), start)
    ledger.collect_events()
    return ledger


def test_account_id_is_one_per_user() -> None:
    user = uuid.uuid4()
    assert LedgerAccount.open(user).id == account_id(user) != account_id(uuid.uuid4())


def test_start_balance_is_a_credit_entry() -> None:
    ledger = LedgerAccount.open(uuid.uuid4(), 20_000)
    (_, granted) = ledger.collect_events()
    assert isinstance(granted, CreditsGranted)
    assert (granted.amount, granted.context, ledger.balance) == (20_000, "startBalance", 20_000)


def test_hold_refused_when_available_credit_is_short() -> None:
    ledger = account(10_000)
    ledger.hold("turn-1", 6_000)
    with pytest.raises(InsufficientCredits) as refused:
        ledger.hold("turn-2", 4_001)
    assert refused.value.violation() == {
        "type": "token_balance",
        "balance": 4000.0,
        "tokenCost": 4001.0,
    }
    assert ledger.hold("turn-3", 4_000).available == 0
    assert len(ledger.collect_events()) == 2


def test_zero_cost_hold_passes_on_an_empty_account() -> None:
    # LibreChat lets a turn start when balance >= tokenCost, 0 >= 0 included
    assert account(0).hold("turn-1", 0).available == 0


def test_spend_without_hold_is_capped_at_the_free_credit() -> None:
    ledger = account(3_000)
    ledger.hold("other-turn", 2_000)
    receipt = ledger.post_spend("title", gpt_4o_turn(1000, 500))
    assert (receipt.amount, ledger.balance, ledger.available) == (-1000, 2000, 0)


def test_spend_settles_its_hold_and_frees_the_rest() -> None:
    ledger = account(10_000)
    ledger.hold("turn-1", 2_500)
    receipt = ledger.post_spend("turn-1:usage", gpt_4o_turn(1000, 500), hold_id="turn-1")
    assert (receipt.amount, receipt.balance, receipt.available) == (-7500, 2500, 2500)
    assert ledger.holds == {}


def test_overspend_is_capped_without_touching_other_holds() -> None:
    ledger = account(10_000)
    ledger.hold("a", 1_000)
    ledger.hold("b", 8_000)
    receipt = ledger.post_spend("a:usage", gpt_4o_turn(1000, 500), hold_id="a")
    # a may use its own 1000 and the 1000 nobody holds; b's 8000 stays covered
    assert (receipt.amount, ledger.balance, ledger.available) == (-2000, 8000, 0)
    assert ledger.post_spend("b:usage", gpt_4o_turn(1000, 500), hold_id="b").balance == 500


def test_release_gives_the_hold_back() -> None:
    ledger = account(1_000)
    ledger.hold("turn-1", 1_000)
    receipt = ledger.release("turn-1:release", "turn-1", reason="aborted")
    assert (receipt.amount, receipt.balance, receipt.available) == (0, 1000, 1000)


def test_settled_or_unknown_hold_is_refused() -> None:
    ledger = account()
    ledger.hold("turn-1", 100)
    ledger.release("r1", "turn-1")
    with pytest.raises(HoldSettled):
        ledger.post_spend("s1", gpt_4o_turn(1, 1), hold_id="turn-1")
    with pytest.raises(NotFound):
        ledger.release("r2", "nope")


def test_repeated_transfer_returns_the_first_receipt_and_records_nothing() -> None:
    ledger = account(10_000)
    first = ledger.post_spend("s1", gpt_4o_turn(1000, 500))
    events = len(ledger.collect_events())
    again = ledger.post_spend("s1", gpt_4o_turn(1000, 500))
    assert (again, ledger.balance, len(ledger.collect_events())) == (first, 2500, 0)
    assert events == 1


def test_same_transfer_id_with_other_terms_is_refused() -> None:
    ledger = account(10_000)
    ledger.credit("top-up-1", 500)
    ledger.credit("top-up-1", Decimal("500.000"))  # the same amount, written otherwise
    with pytest.raises(TransferMismatch):
        ledger.credit("top-up-1", 501)
    with pytest.raises(TransferMismatch):
        ledger.hold("top-up-1", 500)
    assert ledger.balance == 10_500


def test_adjust_sets_the_balance_by_an_entry() -> None:
    ledger = account(10_000)
    receipt = ledger.adjust("set-1", 2_000)
    assert (receipt.amount, ledger.balance) == (-8000, 2000)
    ledger.hold("turn-1", 1_500)
    with pytest.raises(Conflict):
        ledger.adjust("set-2", 1_000)


@pytest.mark.parametrize("amount", [0, -5, "10", float("nan"), Decimal("Infinity")])
def test_credit_refuses_a_non_positive_or_non_finite_amount(amount: object) -> None:
    with pytest.raises(Invalid):
        account().credit("t", amount)


def test_balance_as_of_answers_for_any_past_time() -> None:
    ledger = LedgerAccount.open(uuid.uuid4(), 1_000)
    opened = ledger.pending_events[-1].timestamp
    ledger.credit("c1", 500)
    after_credit = ledger.pending_events[-1].timestamp
    ledger.post_spend("s1", gpt_4o_turn(100, 0))
    events = ledger.collect_events()
    assert moved(events, opened - timedelta(seconds=1)) == 0
    assert moved(events, opened) == 1000
    assert moved(events, after_credit) == 1500
    assert moved(events, datetime.now(UTC) + timedelta(days=1)) == 1250 == ledger.balance


def test_snapshot_restores_the_same_account() -> None:
    ledger = account(10_000)
    ledger.hold("h", 100)
    ledger.post_spend("s", gpt_4o_turn(10, 10))
    restored = LedgerAccount.project(None, [Snapshot.take(ledger)])
    assert restored is not None
    assert (restored.balance, restored.holds, restored.transfers) == (
        ledger.balance,
        ledger.holds,
        ledger.transfers,
    )
    assert restored.recorded_through == ledger.recorded_through and restored.in_time_order


def test_spend_event_keeps_librechat_transaction_fields() -> None:
    ledger = account(10_000)
    conversation, message = uuid.uuid4(), uuid.uuid4()
    ledger.post_spend("s", gpt_4o_turn(1000, 500), conversation_id=conversation, message_id=message)
    (posted,) = ledger.collect_events()
    assert isinstance(posted, SpendPosted)
    assert [(line.token_type, line.rate, line.raw_amount) for line in posted.lines] == [
        ("prompt", 2.5, -1000),
        ("completion", 10, -500),
    ]
    assert (posted.conversation_id, posted.message_id) == (conversation, message)


# ------------------------------------------------------------------ auto-refill
POLICY = RefillPolicy(enabled=True, interval_value=30, interval_unit="days", amount=Decimal(5000))


def test_auto_refill_when_the_turn_would_leave_nothing_and_the_interval_passed() -> None:
    ledger = account(100)
    later = ledger.last_refill + timedelta(days=30)
    assert ledger.auto_refill(POLICY, 50, later) is None  # 100 - 50 > 0: no refill needed
    assert ledger.auto_refill(POLICY, 100, later - timedelta(seconds=1)) is None  # too early
    receipt = ledger.auto_refill(POLICY, 100, later)
    assert receipt is not None and (receipt.amount, ledger.balance) == (5000, 5100)
    assert ledger.auto_refill(POLICY, 10_000, later) is None  # the next interval starts now


def test_auto_refill_off_or_zero_amount_never_refills() -> None:
    ledger = account(0)
    far = ledger.last_refill + timedelta(days=365)
    assert ledger.auto_refill(RefillPolicy(enabled=False, amount=Decimal(5)), 1, far) is None
    assert ledger.auto_refill(RefillPolicy(enabled=True, amount=Decimal(0)), 1, far) is None


@pytest.mark.parametrize(
    ("start", "value", "unit", "expected"),
    [
        ("2027-01-31T10:00:00", 1, "months", "2027-03-03T10:00:00"),  # JS setMonth overflow
        ("2028-11-30T10:00:00", 3, "months", "2029-03-02T10:00:00"),
        ("2027-01-01T00:00:00", 2, "weeks", "2027-01-15T00:00:00"),
        ("2027-01-01T00:00:00", 90, "minutes", "2027-01-01T01:30:00"),
        ("2027-01-01T00:00:00", 30, "days", "2027-01-31T00:00:00"),
    ],
)
def test_refill_eligibility_date_as_librechat(
    start: str, value: int, unit: str, expected: str
) -> None:
    at = datetime.fromisoformat(start).replace(tzinfo=UTC)
    assert refill_eligible_at(at, value, unit) == datetime.fromisoformat(expected).replace(
        tzinfo=UTC
    )


def test_refill_policy_refuses_an_unknown_unit() -> None:
    with pytest.raises(Invalid):
        RefillPolicy(enabled=True, interval_unit="fortnights")


class NoKeys:
    """Billing events hold no personal field, so the mapper must never ask for a key."""

    def key_for_write(self, subject: uuid.UUID) -> bytes:
        raise AssertionError("billing events have no personal fields")

    def key_for_read(self, subject: uuid.UUID) -> bytes | None:
        raise AssertionError("billing events have no personal fields")


def test_billing_events_round_trip_through_the_store_mapper() -> None:
    from infrastructure.eventstore.mapper import PersonalDataMapper

    ledger = LedgerAccount.open(uuid.uuid4(), Decimal("1000.5"))
    ledger.hold("h", Decimal("0.125"), model="gpt-4o", conversation_id=uuid.uuid4())
    ledger.post_spend("s", gpt_4o_turn(7, 3), hold_id="h", message_id=uuid.uuid4())
    ledger.hold("h2", 1)
    ledger.release("r", "h2", reason="aborted")
    ledger.adjust("set", 42)
    events = ledger.collect_events()
    mapper = PersonalDataMapper(NoKeys())
    decoded = [mapper.to_domain_event(mapper.to_stored_event(event)) for event in events]
    assert decoded == events
    replayed = LedgerAccount.project(None, decoded)
    assert replayed is not None and replayed.transfers == ledger.transfers
