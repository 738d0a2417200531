"""Charging chat turns: a hold for the estimated prompt before the model is called, the actual
usage posted when the turn ends (completed, aborted or failed), the rest of the hold released.

Every transfer id is derived from the turn (`turn:<turn id>:hold|spend|release`), so the same
turn settled twice (its process and then a sweep, or a duplicated delivery) charges once: a
settle that finds the turn's spend or release already recorded returns that receipt. A
conversation runs one turn at a time (the stream bus refuses a second), so an open hold of the
same conversation, found when a new turn holds, belongs to a turn that died unsettled: it is
released then, in the same commit (or settled by the sweep that finishes that turn)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TypeVar
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from application.billing.config import BalanceSettings
from application.shared.store import EventStore
from domain.billing.events import SpendLine
from domain.billing.ledger import LedgerAccount
from domain.billing.prices import PriceTable
from domain.billing.pricing import prompt_cost
from domain.billing.rules import InsufficientCredits, Receipt, account_id
from domain.billing.spends import Pricing, PromptUsage, spend_structured_tokens, spend_tokens
from domain.shared.errors import Conflict

T = TypeVar("T")
ATTEMPTS = 200  # one account is one stream: simultaneous turns of a user take turns to commit


@dataclass(frozen=True)
class TurnCharge:
    """What a turn is charged for; `turn_id` is the same on every process that settles it."""

    user_id: UUID
    turn_id: str
    model: str
    prompt_tokens: int
    endpoint: str | None = None
    conversation_id: UUID | None = None
    message_id: UUID | None = None
    started_at: datetime | None = None
    """When the turn began, the same on every process: the `issued_at` of its transfers
    (None: its transfers cannot come again once the account forgot them)."""


@dataclass(frozen=True)
class TurnUsage:
    """Tokens used, as the provider reported them or as counted; `prompt` excludes cache."""

    prompt: int
    completion: int
    cache_read: int = 0
    cache_write: int = 0
    aborted: bool = False


class TokenBalance(InsufficientCredits):
    """LibreChat's `token_balance` violation, with the prompt tokens it names."""

    def __init__(self, refused: InsufficientCredits, prompt_tokens: int) -> None:
        super().__init__(refused.available, refused.cost)
        self.prompt_tokens = prompt_tokens

    def message(self) -> dict[str, object]:
        """The JSON LibreChat throws (and its client parses from the SSE error frame)."""
        violation = self.violation() | {"promptTokens": self.prompt_tokens}
        return {key: _js_number(value) for key, value in violation.items()}


class Charges:
    def __init__(
        self,
        store: EventStore,
        settings: BalanceSettings,
        prices: PriceTable,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.prices = prices
        self.clock = clock or (lambda: datetime.now(UTC))

    @property
    def enabled(self) -> bool:
        return self.settings.enabled

    def hold(self, charge: TurnCharge) -> Receipt | None:
        """Reserve the prompt's cost (auto-refilling first, as LibreChat's `checkBalance`);
        raises `TokenBalance` when the account cannot cover it. None while balance is off."""
        if not self.enabled:
            return None
        cost = prompt_cost(
            self.prices, charge.prompt_tokens, model=charge.model, endpoint=charge.endpoint
        )
        return contended(lambda: self._hold(charge, cost))

    def settle(self, charge: TurnCharge, usage: TurnUsage | None) -> Receipt | None:
        """Post `usage` against the turn's hold, or release the hold when `usage` is None
        (nothing was used). Idempotent per turn; a turn that holds nothing (refused) is
        charged nothing."""
        if not self.enabled:
            return None
        lines = self.lines(charge, usage) if usage is not None else ()
        return contended(lambda: self._settle(charge, lines, usage is None))

    def post(
        self,
        charge: TurnCharge,
        usage: TurnUsage,
        context: str,
    ) -> Receipt | None:
        """Charge usage that no hold covers, once per `charge.turn_id` (LibreChat records a
        title's tokens with context `title` and checks no balance first)."""
        if not self.enabled:
            return None
        lines = self.lines(charge, usage, context)
        return contended(lambda: self._post(charge, lines))

    def lines(
        self, charge: TurnCharge, usage: TurnUsage, context: str | None = None
    ) -> tuple[SpendLine, ...]:
        context = context or ("incomplete" if usage.aborted else "message")
        pricing = Pricing(self.prices, charge.model, context=context)
        if usage.cache_read or usage.cache_write:
            prompt = PromptUsage(usage.prompt, usage.cache_write, usage.cache_read)
            return spend_structured_tokens(
                pricing, prompt=prompt, completion_tokens=usage.completion
            )
        return spend_tokens(pricing, prompt_tokens=usage.prompt, completion_tokens=usage.completion)

    # ------------------------------------------------------------------ deciding
    def _hold(self, charge: TurnCharge, cost: Decimal) -> Receipt:
        account = self._account(charge.user_id)
        hold_id = transfer(charge, "hold")
        recorded = account.receipt(hold_id)
        if recorded is not None:
            return recorded
        if charge.conversation_id is not None:
            for stale in account.open_holds_for(charge.conversation_id):
                account.release(f"{stale}:superseded", stale, reason="superseded")
        account.auto_refill(self.settings.refill_policy(), cost, self.clock())
        try:
            receipt = account.hold(
                hold_id,
                cost,
                model=charge.model,
                conversation_id=charge.conversation_id,
                issued_at=charge.started_at,
            )
        except InsufficientCredits as refused:
            self.store.commit(account, actor=charge.user_id)  # a refill or release stays
            raise TokenBalance(refused, charge.prompt_tokens) from None
        self.store.commit(account, actor=charge.user_id)
        return receipt

    def _settle(
        self, charge: TurnCharge, lines: tuple[SpendLine, ...], release: bool
    ) -> Receipt | None:
        account = self._account(charge.user_id)
        spend_id, release_id = transfer(charge, "spend"), transfer(charge, "release")
        done = account.receipt(spend_id) or account.receipt(release_id)
        if done is not None:
            return done
        hold_id = self._hold_of(account, charge)
        if hold_id is None:
            return None  # never held: the turn was refused (or ran while balance was off)
        open_hold = hold_id if hold_id in account.holds else None
        if release:
            if open_hold is None:
                return None
            receipt = account.release(
                release_id, open_hold, reason="unused", issued_at=charge.started_at
            )
        else:
            receipt = account.post_spend(
                spend_id,
                lines,
                hold_id=open_hold,
                conversation_id=charge.conversation_id,
                message_id=charge.message_id,
                issued_at=charge.started_at,
            )
        self.store.commit(account, actor=charge.user_id)
        return receipt

    def _hold_of(self, account: LedgerAccount, charge: TurnCharge) -> str | None:
        """The turn's hold; for a turn that held nothing under its id, the one open hold of
        its conversation: a sweep finishing a turn whose job was lost names the answer anew
        (application/chat/sweep.py), and would otherwise leave the dead turn's credit
        reserved until the conversation's next turn."""
        hold_id = transfer(charge, "hold")
        if account.receipt(hold_id) is not None:
            return hold_id
        if charge.conversation_id is None:
            return None
        stale = account.open_holds_for(charge.conversation_id)
        return stale[0] if len(stale) == 1 else None

    def _post(self, charge: TurnCharge, lines: tuple[SpendLine, ...]) -> Receipt:
        account = self._account(charge.user_id)
        spend_id = transfer(charge, "spend")
        done = account.receipt(spend_id)
        if done is not None:
            return done
        receipt = account.post_spend(
            spend_id,
            lines,
            conversation_id=charge.conversation_id,
            message_id=charge.message_id,
            issued_at=charge.started_at,
        )
        self.store.commit(account, actor=charge.user_id)
        return receipt

    def _account(self, user_id: UUID) -> LedgerAccount:
        """LibreChat creates a missing balance record with the start balance at the check."""
        if self.store.exists(account_id(user_id)):
            return self.store.load(LedgerAccount, account_id(user_id))
        return LedgerAccount.open(user_id, self.settings.start_balance)


def transfer(charge: TurnCharge, kind: str) -> str:
    return f"turn:{charge.turn_id}:{kind}"


def contended(decide: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """`retry_on_conflict` with a jittered pause: dozens of writers on one stream would
    otherwise collide again at once."""
    for attempt in range(attempts):
        try:
            return decide()
        except IntegrityError:
            time.sleep(random.uniform(0, min(0.002 * (attempt + 1), 0.05)))
    raise Conflict("the account was changed concurrently; please retry")


def _js_number(value: object) -> object:
    """JSON.stringify's numbers: a whole float prints as an integer."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
