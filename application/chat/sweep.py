"""The sweep: finish generations whose process died, from the bus (stale heartbeats) and from
the event store (turns whose job the bus lost with them, application/chat/orphans.py)."""

from __future__ import annotations

import logging
import time
import uuid
from datetime import UTC, datetime, timedelta
from uuid import UUID

import anyio

from application.chat.catalog import Catalog
from application.chat.generation import Generations, Plan
from application.chat.guarded import GuardedBus
from application.chat.orphans import ORPHAN_WINDOW_S, orphan_question
from application.chat.ports import Job, ModelRequest
from application.chat.progress import Final
from application.chat.titles import DEFAULT_TITLE
from application.chat.turns import REQUEST_IDS
from application.conversations.conversations import Conversations
from domain.conversations.conversation import Conversation, Message
from domain.shared.errors import Invalid, NotFound

log = logging.getLogger("chronicle.chat")


class Sweep:
    def __init__(
        self,
        conversations: Conversations,
        catalog: Catalog,
        generations: Generations,
        node: str,
    ) -> None:
        self.conversations = conversations
        self.catalog = catalog
        self.generations = generations
        self.bus = generations.bus
        self.node = node

    async def run(self, stale_after: float = 30.0) -> int:
        """Finish generations whose process died: keep the text streamed so far. A job that
        cannot be finished is logged with its error and the others are still swept."""
        swept = 0
        for job in await self.bus.running():
            if job.stream_id in self.generations.tasks or time.time() - job.heartbeat < stale_after:
                continue
            try:
                await self._finish(job)
            except Exception:
                log.exception("could not sweep generation %s", job.stream_id)
                continue
            swept += 1
        return swept + await self._orphans(stale_after)

    async def _orphans(self, stale_after: float) -> int:
        """Turns whose job the bus lost with their process (application/chat/orphans.py)."""
        now = datetime.now(UTC)
        since, cutoff = (
            now - timedelta(seconds=ORPHAN_WINDOW_S),
            now - timedelta(seconds=stale_after),
        )
        candidates = await anyio.to_thread.run_sync(
            self.conversations.index.unanswered_between, since, cutoff
        )
        swept = 0
        for user_id, conversation_id in candidates:
            try:
                swept += await self._orphan(user_id, conversation_id, cutoff)
            except Exception:
                log.exception("could not sweep conversation %s", conversation_id)
        return swept

    async def _orphan(self, user_id: UUID, conversation_id: UUID, cutoff: datetime) -> bool:
        if str(conversation_id) in self.generations.tasks:
            return False
        conversation = await anyio.to_thread.run_sync(
            self.conversations.get, user_id, conversation_id
        )
        question = orphan_question(conversation, await self.bus.get(str(conversation_id)), cutoff)
        if question is None:
            return False
        job = self._orphan_job(user_id, conversation, question)
        if not await self.bus.create(job):
            return False
        await self._finish(job)
        return True

    def _orphan_job(self, user_id: UUID, conversation: Conversation, question: Message) -> Job:
        cid = conversation.id
        return Job(
            stream_id=str(cid),
            conversation_id=str(cid),
            user_id=str(user_id),
            created_at=int(time.time() * 1000),
            # The same answer id on every process that sweeps it: recorded once.
            response_message_id=str(uuid.uuid5(REQUEST_IDS, f"orphan:{question.message_id}")),
            user_message=self.generations.frames.message(question, cid),
            owner=self.node,
            endpoint=question.endpoint or conversation.endpoint or "",
            model=question.model or conversation.model or "",
        )

    async def _finish(self, job: Job) -> None:
        user_id = UUID(job.user_id)
        conversation = await anyio.to_thread.run_sync(
            self.conversations.get, user_id, UUID(job.conversation_id)
        )
        recorded = conversation.messages.get(UUID(job.response_message_id))
        if recorded is not None and not job.prefix:
            # Its process recorded the answer but could not tell the bus (Redis was down):
            # the store has the whole text, which the heartbeat's partial must not replace.
            await self._announce(job, conversation, recorded)
            return
        await self.generations.finish_aborted(self._plan(job), user_id)

    def _plan(self, job: Job) -> Plan:
        try:
            endpoint, model = self.catalog.resolve(job.endpoint or None, job.model or None)
        except (Invalid, NotFound):  # no longer configured here: record it under the default
            endpoint, model = self.catalog.resolve(None, None)
        parent_id = UUID(str(job.user_message.get("messageId")))
        return Plan(job, endpoint, model, ModelRequest(model=model, turns=[]), parent_id)

    async def _announce(self, job: Job, conversation: Conversation, recorded: Message) -> None:
        frames = self.generations.frames
        wire = GuardedBus(self.bus, job, frames)
        await wire.publish(
            Final(
                frames.conversation(conversation),
                conversation.title or DEFAULT_TITLE,
                job.user_message,
                frames.message(recorded, job.conversation_id),
            )
        )
        await wire.finish("completed")
