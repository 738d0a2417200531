"""Billing events: a ledger account's entries. Topics are the storage contract: never change one.

Amounts are credits (1 USD = 1,000,000 credits) as exact decimals, stored as strings. Every
entry names its `transfer_id`, the caller's idempotency key, unique within the account. None
of these events holds personal data (`personal = ()`): amounts, model ids and chat ids only;
`user_id` names the account's owner, whose key encrypts the account's snapshots.

`issued_at` (optional, on every entry) is when the caller first minted the transfer id, the
same on every retry; the account's bounded idempotency rests on it (docs/auditing.md).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

import msgspec

from domain.shared.events import DomainEvent


class SpendLine(msgspec.Struct, frozen=True, kw_only=True):
    """One of LibreChat's spend Transactions (its field names, snake-cased): a prompt or a
    completion, priced. `token_value` is what LibreChat computes (≤ 0), before the ledger
    caps the charge at what the account has."""

    token_type: Literal["prompt", "completion"]
    model: str | None
    context: str
    value_key: str | None
    rate: float
    raw_amount: int
    token_value: Decimal
    input_tokens: int | None = None
    write_tokens: int | None = None
    read_tokens: int | None = None


class BillingEvent(DomainEvent, frozen=True, kw_only=True):
    personal = ()
    subject = "user_id"
    user_id: UUID


class AccountOpened(BillingEvent, frozen=True, kw_only=True):
    """The account exists; with auto-refill on, the first refill interval starts here."""

    TOPIC = "billing.AccountOpened"


class CreditsGranted(BillingEvent, frozen=True, kw_only=True):
    """Credit added: `context` is `startBalance`, `admin` or `autoRefill` (LibreChat's
    `credits` Transaction contexts)."""

    TOPIC = "billing.CreditsGranted"
    transfer_id: str
    amount: Decimal
    context: str
    issued_at: datetime | None = None


class CreditsHeld(BillingEvent, frozen=True, kw_only=True):
    """Credit reserved for a turn before it generates; its transfer id is the hold's id."""

    TOPIC = "billing.CreditsHeld"
    transfer_id: str
    amount: Decimal
    model: str | None = None
    conversation_id: UUID | None = None
    issued_at: datetime | None = None


class SpendPosted(BillingEvent, frozen=True, kw_only=True):
    """Actual usage charged. `amount` (≤ 0) is what left the balance: the sum of the lines'
    token values, capped so that the balance never drops below the credit other holds
    reserve. Posting against a hold settles it; whatever it reserved beyond `amount` is free
    again."""

    TOPIC = "billing.SpendPosted"
    transfer_id: str
    hold_id: str | None
    lines: tuple[SpendLine, ...]
    amount: Decimal
    conversation_id: UUID | None = None
    message_id: UUID | None = None
    issued_at: datetime | None = None
    released: Decimal | None = None
    """What the settled hold had reserved (None: no open hold, or recorded before 2026-12)."""


class HoldReleased(BillingEvent, frozen=True, kw_only=True):
    """A hold given back unspent (the turn never started, or nothing was used)."""

    TOPIC = "billing.HoldReleased"
    transfer_id: str
    hold_id: str
    reason: str = ""
    issued_at: datetime | None = None
    released: Decimal | None = None
    """What the hold had reserved (None in events recorded before 2026-12)."""


class BalanceAdjusted(BillingEvent, frozen=True, kw_only=True):
    """The balance set to `balance` by an entry of `amount` (= new - old), so the ledger
    still sums (LibreChat's `set-balance`)."""

    TOPIC = "billing.BalanceAdjusted"
    transfer_id: str
    amount: Decimal
    balance: Decimal
    reason: str = "admin"
    issued_at: datetime | None = None
