"""The LedgerAccount aggregate: one user's credit, as the sum of its entries.

Invariants: the balance is the sum of the entries' amounts; the available credit (balance
minus open holds) never drops below zero, so a hold, once placed, is always covered; every
transfer id is counted once (a repeat returns the first receipt, a repeat with other terms is
refused).

What the account remembers is bounded, so that its snapshots stay small: the latest
`REMEMBERED` transfers with their receipts, the open holds always among them. A transfer id
it no longer remembers is told apart from a new one by when it was issued:
`forgotten_through` is the latest `issued_at` of every transfer it forgot, and a transfer
issued at or before it is refused (`TransferExpired`), never recorded twice. A caller that
may retry a transfer later names the moment it first minted the id (a turn: when it
started); one that passes no `issued_at` asserts the id cannot have been recorded before (a
fresh random id, an id derived from the account's current state). The rule in full:
docs/auditing.md.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from itertools import islice
from typing import Any, ClassVar, Self
from uuid import UUID

from domain.billing.events import (
    AccountOpened,
    BalanceAdjusted,
    BillingEvent,
    CreditsGranted,
    CreditsHeld,
    HoldReleased,
    SpendLine,
    SpendPosted,
)
from domain.billing.refill import RefillPolicy
from domain.billing.rules import (
    HoldSettled,
    InsufficientCredits,
    Receipt,
    Transfer,
    TransferExpired,
    TransferMismatch,
    account_id,
    check_transfer_id,
    credits,
    terms,
)
from domain.shared.aggregate import Aggregate, applies
from domain.shared.errors import Conflict, Invalid, NotFound
from domain.shared.events import DomainEvent


class LedgerAccount(Aggregate):
    REMEMBERED: ClassVar[int] = 500
    """Settled transfers remembered with their receipts (changing it is safe: any window
    gives a sound rule, it only moves `forgotten_through`)."""

    user_id: UUID
    balance: Decimal
    held: Decimal
    holds: dict[str, Decimal]
    hold_conversations: dict[str, UUID | None]
    """The conversation each open hold is for (a conversation runs one turn at a time)."""
    transfers: dict[str, Transfer]
    """The latest `REMEMBERED` transfers (open holds however old), oldest first."""
    forgotten_through: datetime | None
    """The latest `issued_at` of the transfers no longer remembered (None: none forgotten)."""
    last_refill: datetime
    recorded_through: datetime
    """The latest time an event of the account was recorded at."""
    in_time_order: bool
    """Every event recorded no earlier than the one before it: new events are (`_now`), so
    only a history written before that rule can say False. While True, an auditor's
    balance-as-of bisects the versions by time (application/billing/audit.py)."""

    @classmethod
    def open(cls, user_id: UUID, start_balance: object = None) -> LedgerAccount:
        account = cls(account_id(user_id))
        account._record(AccountOpened, user_id=user_id)
        if start_balance is not None and credits(start_balance) > 0:
            account.credit("startBalance", start_balance, context="startBalance")
        return account

    def fork(self) -> Self:
        """Appliers replace values and only add to the containers: copying those suffices."""
        twin = copy.copy(self)
        twin._pending = []
        twin.holds, twin.transfers = dict(self.holds), dict(self.transfers)
        twin.hold_conversations = dict(self.hold_conversations)
        return twin

    @property
    def available(self) -> Decimal:
        return self.balance - self.held

    # ------------------------------------------------------------ commands
    def credit(
        self,
        transfer_id: str,
        amount: object,
        *,
        context: str = "admin",
        issued_at: datetime | None = None,
    ) -> Receipt:
        value = credits(amount)
        fields = {"amount": value, "context": context}
        return self._once(transfer_id, issued_at, "credit", self._grant, **fields)

    def hold(
        self,
        transfer_id: str,
        amount: object,
        *,
        model: str | None = None,
        conversation_id: UUID | None = None,
        issued_at: datetime | None = None,
    ) -> Receipt:
        """Reserve credit for a turn; refused unless the available credit covers it."""
        value = credits(amount)
        fields = {"amount": value, "model": model, "conversation_id": conversation_id}
        return self._once(transfer_id, issued_at, "hold", self._hold, **fields)

    def post_spend(
        self,
        transfer_id: str,
        lines: Sequence[SpendLine],
        *,
        hold_id: str | None = None,
        conversation_id: UUID | None = None,
        message_id: UUID | None = None,
        issued_at: datetime | None = None,
    ) -> Receipt:
        """Charge actual usage, settling `hold_id` if given. The charge is capped at what the
        account can pay without touching credit other holds reserve (LibreChat likewise
        never lets a balance go negative)."""
        fields: dict[str, Any] = {"hold_id": hold_id, "lines": tuple(lines)}
        fields |= {"conversation_id": conversation_id, "message_id": message_id}
        return self._once(transfer_id, issued_at, "spend", self._spend, **fields)

    def release(
        self,
        transfer_id: str,
        hold_id: str,
        *,
        reason: str = "",
        issued_at: datetime | None = None,
    ) -> Receipt:
        fields = {"hold_id": hold_id, "reason": reason}
        return self._once(transfer_id, issued_at, "release", self._release, **fields)

    def adjust(
        self,
        transfer_id: str,
        balance: object,
        *,
        reason: str = "admin",
        issued_at: datetime | None = None,
    ) -> Receipt:
        """Set the balance, by an entry of the difference (LibreChat's `set-balance`)."""
        fields = {"balance": credits(balance, field="balance"), "reason": reason}
        return self._once(transfer_id, issued_at, "adjust", self._adjust, **fields)

    def auto_refill(self, policy: RefillPolicy, cost: object, now: datetime) -> Receipt | None:
        """Refill if LibreChat would before charging `cost`. The transfer id names the refill
        period, so processes racing to refill the same period record one refill; no refill
        recorded names the current period, so it needs no `issued_at`."""
        if not policy.due(self.available, credits(cost), self.last_refill, now):
            return None
        transfer_id = f"autoRefill:{self.last_refill.isoformat()}"
        fields = {"amount": policy.amount, "context": "autoRefill"}
        return self._once(transfer_id, None, "credit", self._grant, **fields)

    # --------------------------------------------------------------- queries
    def open_holds_for(self, conversation_id: UUID) -> list[str]:
        """The open holds placed for a conversation's turns."""
        return [hold for hold, cid in self.hold_conversations.items() if cid == conversation_id]

    def receipt(self, transfer_id: str) -> Receipt | None:
        """The first receipt of a remembered transfer (None: new, or forgotten)."""
        transfer = self.transfers.get(transfer_id)
        return transfer.receipt if transfer is not None else None

    def expired(self, issued_at: datetime | None) -> bool:
        """Whether a transfer issued then, if not remembered, may have been forgotten."""
        horizon = self.forgotten_through
        return issued_at is not None and horizon is not None and issued_at <= horizon

    # ------------------------------------------------------------- deciding
    def _once(
        self,
        transfer_id: str,
        issued_at: datetime | None,
        kind: str,
        decide: Callable[..., None],
        **fields: Any,
    ) -> Receipt:
        """Run `decide` unless this transfer id is already recorded (then: same terms → its
        first receipt; other terms → refused) or may have been and was forgotten."""
        check_transfer_id(transfer_id)
        wanted = terms(kind, **fields)
        recorded = self.transfers.get(transfer_id)
        if recorded is not None:
            if recorded.terms != wanted:
                raise TransferMismatch(f"transfer {transfer_id} was recorded with other terms")
            return recorded.receipt
        if self.expired(issued_at):
            raise TransferExpired(
                f"transfer {transfer_id} was issued before the transfers this account forgot"
            )
        decide(transfer_id, issued_at=issued_at, **fields)
        return self.transfers[transfer_id].receipt

    def _grant(self, transfer_id: str, *, amount: Decimal, **fields: Any) -> None:
        if amount <= 0:
            raise Invalid("amount must be positive")
        self._entry(CreditsGranted, transfer_id, amount=amount, **fields)

    def _hold(self, transfer_id: str, *, amount: Decimal, **fields: Any) -> None:
        if amount < 0:
            raise Invalid("amount must not be negative")
        if self.available < amount:
            raise InsufficientCredits(self.available, amount)
        self._entry(CreditsHeld, transfer_id, amount=amount, **fields)

    def _spend(
        self, transfer_id: str, *, hold_id: str | None, lines: tuple[SpendLine, ...], **ids: Any
    ) -> None:
        if any(line.token_value > 0 for line in lines):
            raise Invalid("a spend line cannot add credit")
        own_hold = self._open_hold(hold_id) if hold_id is not None else Decimal(0)
        payable = self.available + own_hold
        amount = max(sum((line.token_value for line in lines), Decimal(0)), -payable)
        released = own_hold if hold_id is not None else None
        fields = {"hold_id": hold_id, "lines": lines, "amount": amount + 0, "released": released}
        self._entry(SpendPosted, transfer_id, **fields, **ids)

    def _release(self, transfer_id: str, *, hold_id: str, **fields: Any) -> None:
        released = self._open_hold(hold_id)
        self._entry(HoldReleased, transfer_id, hold_id=hold_id, released=released, **fields)

    def _adjust(
        self, transfer_id: str, *, balance: Decimal, reason: str, issued_at: datetime | None
    ) -> None:
        if balance < 0:
            raise Invalid("balance must not be negative")
        if balance < self.held:
            raise Conflict(f"balance {balance} would not cover the {self.held} credits on hold")
        self._entry(
            BalanceAdjusted,
            transfer_id,
            amount=balance - self.balance,
            balance=balance,
            reason=reason,
            issued_at=issued_at,
        )

    def _entry(self, event_class: type[BillingEvent], transfer_id: str, **fields: Any) -> None:
        self._record(event_class, user_id=self.user_id, transfer_id=transfer_id, **fields)

    def _open_hold(self, hold_id: str) -> Decimal:
        if hold_id in self.holds:
            return self.holds[hold_id]
        if hold_id in self.transfers:
            raise HoldSettled(f"hold {hold_id} is already settled")
        raise NotFound(f"hold {hold_id} not found")

    # ------------------------------------------------------------- folding
    def _now(self) -> datetime:
        """Never earlier than the account's last event, even when the clock steps back or
        another process's runs ahead: the account's history stays in time order."""
        now = super()._now()
        return max(now, self.recorded_through) if self.version else now

    def _apply(self, event: DomainEvent) -> None:
        first = not self.version
        if not first and event.timestamp < self.recorded_through:
            self.in_time_order = False
        super()._apply(event)
        if first or event.timestamp > self.recorded_through:
            self.recorded_through = event.timestamp

    @applies(AccountOpened)
    def _opened(self, event: AccountOpened) -> None:
        self.user_id = event.user_id
        self.balance = self.held = Decimal(0)
        self.holds, self.transfers, self.hold_conversations = {}, {}, {}
        self.forgotten_through = None
        self.in_time_order = True
        self.last_refill = event.timestamp

    @applies(CreditsGranted)
    def _granted(self, event: CreditsGranted) -> None:
        if event.context == "autoRefill":
            self.last_refill = event.timestamp
        self._book(event, "credit", event.amount, amount=event.amount, context=event.context)

    @applies(CreditsHeld)
    def _held(self, event: CreditsHeld) -> None:
        self.holds[event.transfer_id] = event.amount
        self.hold_conversations[event.transfer_id] = event.conversation_id
        self.held += event.amount
        fields = {
            "amount": event.amount,
            "model": event.model,
            "conversation_id": event.conversation_id,
        }
        self._book(event, "hold", Decimal(0), **fields)

    @applies(SpendPosted)
    def _spent(self, event: SpendPosted) -> None:
        self._settle(event.hold_id)
        fields: dict[str, Any] = {"hold_id": event.hold_id, "lines": event.lines}
        fields |= {"conversation_id": event.conversation_id, "message_id": event.message_id}
        self._book(event, "spend", event.amount, **fields)

    @applies(HoldReleased)
    def _released(self, event: HoldReleased) -> None:
        self._settle(event.hold_id)
        self._book(event, "release", Decimal(0), hold_id=event.hold_id, reason=event.reason)

    @applies(BalanceAdjusted)
    def _adjusted(self, event: BalanceAdjusted) -> None:
        self._book(event, "adjust", event.amount, balance=event.balance, reason=event.reason)

    def _settle(self, hold_id: str | None) -> None:
        if hold_id is not None and hold_id in self.holds:
            self.held -= self.holds.pop(hold_id)
            self.hold_conversations.pop(hold_id, None)

    def _book(self, event: BillingEvent, kind: str, change: Decimal, **fields: Any) -> None:
        """Move the balance by `change` and remember the transfer with its receipt."""
        transfer_id = getattr(event, "transfer_id")  # noqa: B009 (every entry event has one)
        self.balance += change
        receipt = Receipt(
            transfer_id=transfer_id,
            kind=kind,
            amount=change,
            balance=self.balance,
            available=self.available,
            at=event.timestamp,
        )
        issued = getattr(event, "issued_at")  # noqa: B009
        transfer = Transfer(terms=terms(kind, **fields), receipt=receipt, issued_at=issued)
        self.transfers[transfer_id] = transfer
        self._forget()

    def _forget(self) -> None:
        """Drop the oldest settled transfers beyond `REMEMBERED`, moving the horizon."""
        excess = len(self.transfers) - self.REMEMBERED
        if excess <= 0:
            return
        for transfer_id in list(islice(self.transfers, excess + len(self.holds))):
            if excess == 0:
                return
            if transfer_id in self.holds:
                continue
            forgotten = self.transfers.pop(transfer_id)
            issued = forgotten.issued_at or forgotten.receipt.at
            if self.forgotten_through is None or issued > self.forgotten_through:
                self.forgotten_through = issued
            excess -= 1
