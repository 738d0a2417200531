"""The ledger's vocabulary: receipts, transfer records, amounts, and the errors it raises."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid5

import msgspec

from domain.shared.errors import Conflict, Forbidden, Invalid

LEDGER_NAMESPACE = UUID("5b0f2c0e-6d1c-4b59-9a57-2f7d3c1e8a40")
MAX_TRANSFER_ID = 256


def account_id(user_id: UUID) -> UUID:
    """One account per user: the id is derived from the user's, so two processes opening
    "the" account race on one stream and the store's optimistic concurrency picks one."""
    return uuid5(LEDGER_NAMESPACE, str(user_id))


class Receipt(msgspec.Struct, frozen=True, kw_only=True):
    """What an entry did: its balance change and the balance and available credit after it.
    A repeated transfer returns its first receipt unchanged."""

    transfer_id: str
    kind: str
    amount: Decimal
    balance: Decimal
    available: Decimal
    at: datetime


class Transfer(msgspec.Struct, frozen=True, kw_only=True):
    """A recorded transfer id: the terms it was recorded with, and its receipt."""

    terms: str
    receipt: Receipt
    issued_at: datetime | None = None


class InsufficientCredits(Forbidden):
    """Not enough available credit for the hold: LibreChat's `token_balance` violation."""

    def __init__(self, available: Decimal, cost: Decimal) -> None:
        super().__init__(f"Insufficient funds: balance {available}, token cost {cost}")
        self.available = available
        self.cost = cost

    def violation(self) -> dict[str, Any]:
        """The fields of LibreChat's error message (the caller adds `promptTokens`)."""
        return {
            "type": "token_balance",
            "balance": float(self.available),
            "tokenCost": float(self.cost),
        }


class TransferMismatch(Conflict):
    """A transfer id already recorded with different terms: a caller bug, never a retry."""


class TransferExpired(Conflict):
    """A transfer id the account does not remember, issued no later than one it forgot: it
    may have been recorded already, so it is refused rather than risk counting it twice."""


class HoldSettled(Conflict):
    """The hold was already spent against or released."""


def credits(value: object, *, field: str = "amount") -> Decimal:
    """An amount of credits as an exact, finite Decimal (a float by its shortest repr)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise Invalid(f"{field} must be a number")
    amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not amount.is_finite():
        raise Invalid(f"{field} must be finite")
    return amount + 0  # no negative zero


def check_transfer_id(transfer_id: object) -> str:
    if not isinstance(transfer_id, str) or not transfer_id.strip():
        raise Invalid("transfer id must be a non-empty string")
    if len(transfer_id) > MAX_TRANSFER_ID:
        raise Invalid(f"transfer id must be at most {MAX_TRANSFER_ID} characters")
    return transfer_id


def terms(kind: str, **fields: Any) -> str:
    """A canonical text of a command's terms: equal amounts compare equal however written."""
    canonical = {name: _canonical(value) for name, value in sorted(fields.items())}
    return msgspec.json.encode({"kind": kind, **canonical}).decode()


def _canonical(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, tuple | list):
        return [_canonical(item) for item in value]
    if isinstance(value, msgspec.Struct):
        return _canonical(msgspec.structs.asdict(value))
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    return value
