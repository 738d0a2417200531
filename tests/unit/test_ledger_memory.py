"""What a ledger account remembers is bounded, and a transfer it forgot still counts once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.billing.ledger import LedgerAccount
from domain.billing.rules import TransferExpired, TransferMismatch
from domain.shared.aggregate import Snapshot

START = datetime.now(UTC)


@pytest.fixture
def small_window(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(LedgerAccount, "REMEMBERED", 10)
    monkeypatch.setattr(f"{__name__}.START", datetime.now(UTC) + timedelta(minutes=1))
    return 10


def issued(n: int) -> datetime:
    """Issue times after the start balance is recorded (it has none: its recording time)."""
    return START + timedelta(seconds=n)


def busy_account(credits: int) -> LedgerAccount:
    ledger = LedgerAccount.open(uuid.uuid4(), 1_000)
    for n in range(credits):
        ledger.credit(f"c{n}", 1, issued_at=issued(n))
    return ledger


def full_state(ledger: LedgerAccount) -> dict[str, object]:
    return {name: getattr(ledger, name) for name in ledger.snapshot_state()} | {
        "version": ledger.version
    }


def test_only_the_latest_transfers_and_open_holds_are_remembered(small_window: int) -> None:
    # Given a hold placed early, then many credits
    ledger = LedgerAccount.open(uuid.uuid4(), 1_000)
    ledger.hold("h", 100, issued_at=issued(-1))
    for n in range(50):
        ledger.credit(f"c{n}", 1, issued_at=issued(n))
    # Then the account remembers the window and the open hold, and where it forgot up to
    assert len(ledger.transfers) == small_window and "h" in ledger.transfers
    assert list(ledger.transfers)[1:] == [f"c{n}" for n in range(41, 50)]
    assert ledger.forgotten_through == issued(40)
    # And a settlement issued as early as the hold is refused (it might have been recorded),
    # while the hold can still be released under an id that cannot have been (superseded)
    with pytest.raises(TransferExpired):
        ledger.release("h:release", "h", issued_at=issued(-1))
    ledger.release("h:superseded", "h")
    assert ledger.held == 0 and ledger.balance == 1_050


def test_a_forgotten_transfer_is_refused_never_counted_twice(small_window: int) -> None:
    ledger = busy_account(50)
    balance, version = ledger.balance, ledger.version
    ledger.collect_events()
    # When a transfer the account forgot comes again (its same issue time)
    with pytest.raises(TransferExpired):
        ledger.credit("c3", 1, issued_at=issued(3))
    # Then nothing is recorded
    assert ledger.collect_events() == [] and (ledger.balance, ledger.version) == (balance, version)
    # While a remembered one returns its first receipt, and a new later one is recorded
    assert ledger.credit("c45", 1, issued_at=issued(45)) == ledger.receipt("c45")
    with pytest.raises(TransferMismatch):
        ledger.credit("c45", 2, issued_at=issued(45))
    ledger.credit("new", 1, issued_at=issued(60))
    assert ledger.balance == balance + 1


def test_forgetting_is_part_of_the_fold(small_window: int) -> None:
    # Given an account that forgot transfers, folded from its events and from a snapshot
    ledger = busy_account(30)
    ledger.hold("h", 5, issued_at=issued(30))
    events = ledger.collect_events()
    replayed = LedgerAccount.project(None, events)
    snapshot = Snapshot.take(LedgerAccount.project(None, events[:20]))  # type: ignore[arg-type]
    resumed = LedgerAccount.project(None, [snapshot, *events[20:]])
    # Then all three are the same account
    assert replayed is not None and resumed is not None
    assert full_state(replayed) == full_state(ledger) == full_state(resumed)


def test_snapshot_round_trips_every_field(small_window: int) -> None:
    ledger = busy_account(25)
    conversation = uuid.uuid4()
    ledger.hold("h1", 7, issued_at=issued(26), conversation_id=conversation, model="gpt-4o")
    ledger.hold("h2", 3)
    restored = LedgerAccount.project(None, [Snapshot.take(ledger)])
    assert restored is not None
    assert full_state(restored) == full_state(ledger)
    assert restored.transfers["h1"].issued_at == issued(26)
    assert restored.open_holds_for(conversation) == ["h1"]
    assert restored.forgotten_through == ledger.forgotten_through is not None
    # And it decides as the original does
    with pytest.raises(TransferExpired):
        restored.credit("c0", 1, issued_at=issued(0))
    assert restored.credit("c24", 1, issued_at=issued(24)) == ledger.receipt("c24")


def test_new_events_keep_the_history_in_time_order() -> None:
    ledger = LedgerAccount.open(uuid.uuid4(), 10)
    ledger.recorded_through = datetime.now(UTC) + timedelta(hours=1)  # another clock ahead
    ledger.credit("c", 1)
    later = ledger.pending_events[-1].timestamp
    assert later == ledger.recorded_through and ledger.in_time_order
