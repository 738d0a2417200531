"""Billing commands: open an account with its start balance, credit it, set it.

An account is opened once per user (its id is derived from the user's), granting the start
balance under the fixed transfer id `startBalance`: opening again, from a retried
registration, a first balance read or an admin command, records nothing new."""

from __future__ import annotations

import logging
from decimal import Decimal
from uuid import UUID

import domain.billing.events  # noqa: F401 (registers the billing topics with the mapper)
from application.billing.config import BalanceSettings
from application.shared.store import EventStore, Position, retry_on_conflict
from domain.billing.ledger import LedgerAccount
from domain.billing.rules import Receipt, account_id
from domain.shared.errors import Invalid

log = logging.getLogger(__name__)


class Billing:
    def __init__(self, store: EventStore, settings: BalanceSettings) -> None:
        self.store = store
        self.settings = settings

    @property
    def enabled(self) -> bool:
        return self.settings.enabled

    def open(self, user_id: UUID) -> Position | None:
        """The user's account, opened with the start balance unless it exists already."""
        return retry_on_conflict(lambda: self._open(user_id))

    def open_after_registration(self, user_id: UUID) -> None:
        """Registration is recorded before this runs, so a failure here cannot undo it; it
        is logged, and the account opens on the user's first balance read instead (the same
        transfer id, so the start balance is granted exactly once either way)."""
        if not self.enabled:
            return
        try:
            self.open(user_id)
        except Exception:
            log.warning("start balance not granted at registration", exc_info=True)

    def add(self, user_id: UUID, amount: object, transfer_id: str) -> Receipt:
        """Credit `amount` (LibreChat's `add-balance`: a `credits` entry, context `admin`)."""
        return retry_on_conflict(lambda: self._credit(user_id, amount, transfer_id))

    def set(self, user_id: UUID, balance: object, transfer_id: str) -> Receipt:
        """Set the balance (LibreChat's `set-balance`) by an adjusting entry of the difference,
        so the ledger still sums."""
        return retry_on_conflict(lambda: self._adjust(user_id, balance, transfer_id))

    def balance(self, user_id: UUID) -> Decimal:
        """The exact balance, from the account's events (0 before it is opened)."""
        if not self.store.exists(account_id(user_id)):
            return Decimal(0)
        return self.store.load(LedgerAccount, account_id(user_id)).balance

    def _open(self, user_id: UUID) -> Position | None:
        if self.store.exists(account_id(user_id)):
            return None
        account = LedgerAccount.open(user_id, self.settings.start_balance)
        return self.store.commit(account, actor=user_id)

    def _account(self, user_id: UUID) -> LedgerAccount:
        if self.store.exists(account_id(user_id)):
            return self.store.load(LedgerAccount, account_id(user_id))
        return LedgerAccount.open(user_id, self.settings.start_balance)

    def _credit(self, user_id: UUID, amount: object, transfer_id: str) -> Receipt:
        account = self._account(user_id)
        receipt = account.credit(transfer_id, _number(amount), context="admin")
        self.store.commit(account, actor=user_id)  # the owner's next read sees it
        return receipt

    def _adjust(self, user_id: UUID, balance: object, transfer_id: str) -> Receipt:
        account = self._account(user_id)
        receipt = account.adjust(transfer_id, _number(balance, "balance"), reason="admin")
        self.store.commit(account, actor=user_id)
        return receipt


def _number(value: object, field: str = "amount") -> object:
    """A command-line amount ("1000", "2.5") as a Decimal; numbers pass through."""
    if not isinstance(value, str):
        return value
    try:
        return Decimal(value.strip())
    except ArithmeticError:
        raise Invalid(f"{field} must be a number") from None
