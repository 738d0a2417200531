"""A generation's charges: what a turn holds before the model is called and what it posts at
its end (application/billing/charges.py decides; this reads the turn). Off, and counting
nothing, while balance is disabled."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Literal
from uuid import UUID

import anyio

from application.billing.charges import Charges, TurnCharge, TurnUsage
from application.billing.tokens import TokenCounter, completion_tokens, prompt_tokens
from application.chat.ports import Job, ModelRequest, Usage

log = logging.getLogger("chronicle.billing")
Outcome = Literal["completed", "aborted", "failed"]


class TurnBilling:
    def __init__(self, charges: Charges | None, counter: TokenCounter | None) -> None:
        self.charges = charges
        self.counter = counter

    @property
    def enabled(self) -> bool:
        return self.charges is not None and self.counter is not None and self.charges.enabled

    async def hold(self, job: Job, request: ModelRequest, endpoint_kind: str) -> None:
        """Raises `TokenBalance` when the account cannot pay for the prompt."""
        if not self.enabled:
            return
        assert self.charges is not None and self.counter is not None
        counter, messages = self.counter, _messages(request)
        job.prompt_tokens = await anyio.to_thread.run_sync(
            lambda: prompt_tokens(counter, job.model, messages)
        )
        charge = _charge(job, endpoint_kind)
        await anyio.to_thread.run_sync(self.charges.hold, charge)

    async def settle(self, job: Job, usage: Usage | None, outcome: Outcome) -> None:
        """Post what the turn used (as reported, else counted), or release the hold when a
        failed turn used nothing. A failure here is logged: the turn's answer stands, and
        the hold is released when the conversation's next turn holds."""
        if not self.enabled:
            return
        assert self.charges is not None
        try:
            used = await anyio.to_thread.run_sync(self._used, job, usage, outcome)
            await anyio.to_thread.run_sync(self.charges.settle, _charge(job, None), used)
        except Exception:
            log.exception("could not settle the charge of turn %s", job.turn_id)

    async def charge_title(
        self,
        user_id: UUID,
        conversation_id: UUID,
        model: str,
        prompt: str,
        title: str,
        usage: Usage | None,
    ) -> None:
        """A model-made title's tokens, context `title`, once per conversation (transfer
        `turn:title:<conversation id>:spend`); logged, never raised, on failure."""
        if not self.enabled:
            return
        assert self.charges is not None and self.counter is not None
        charges, counter = self.charges, self.counter
        charge = TurnCharge(user_id, f"title:{conversation_id}", model, 0, None, conversation_id)

        def post() -> None:
            if _reported(usage):
                assert usage is not None
                used = TurnUsage(
                    usage.prompt, usage.completion, usage.cache_read, usage.cache_write
                )
            else:
                prompted = prompt_tokens(counter, model, [("user", prompt)])
                used = TurnUsage(prompted, completion_tokens(counter, model, title))
            charges.post(charge, used, "title")

        try:
            await anyio.to_thread.run_sync(post)
        except Exception:
            log.exception("could not charge the title of conversation %s", conversation_id)

    def _used(self, job: Job, usage: Usage | None, outcome: Outcome) -> TurnUsage | None:
        answer = job.text[len(job.prefix) :] if job.text.startswith(job.prefix) else job.text
        if _reported(usage):
            assert usage is not None
            return TurnUsage(
                usage.prompt,
                usage.completion,
                usage.cache_read,
                usage.cache_write,
                aborted=outcome == "aborted",
            )
        if outcome == "failed" and not answer:
            return None  # the provider refused: nothing was generated, nothing is charged
        assert self.counter is not None
        completion = completion_tokens(self.counter, job.model, answer)
        return TurnUsage(job.prompt_tokens, completion, aborted=outcome == "aborted")


def _charge(job: Job, endpoint_kind: str | None) -> TurnCharge:
    return TurnCharge(
        user_id=UUID(job.user_id),
        turn_id=job.turn_id or job.response_message_id,
        model=job.model,
        prompt_tokens=job.prompt_tokens,
        endpoint=endpoint_kind,
        conversation_id=UUID(job.conversation_id),
        message_id=UUID(job.response_message_id),
        started_at=datetime.fromtimestamp(job.created_at / 1000, UTC),
    )


def _messages(request: ModelRequest) -> list[tuple[str, str]]:
    system = [("system", request.system)] if request.system else []
    return system + [(turn.role, turn.text) for turn in request.turns]


def _reported(usage: Usage | None) -> bool:
    return usage is not None and any(
        (usage.prompt, usage.completion, usage.cache_read, usage.cache_write)
    )
