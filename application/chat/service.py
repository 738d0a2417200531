"""Chat turns, one entry point for the API: start a turn (application/chat/turns.py), follow,
stop and ask about it (status.py), sweep dead ones (sweep.py), make titles (titles.py). The
generation itself runs in generation.py; its frames' wire format is the `Frames` port."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any
from uuid import UUID

from application.agents.chat import AgentChats
from application.chat.catalog import Catalog
from application.chat.charging import TurnBilling
from application.chat.generation import Generations
from application.chat.ports import Attachments, StreamBus
from application.chat.progress import PROTOCOL, Frames, Status
from application.chat.status import GenerationStatus
from application.chat.sweep import Sweep
from application.chat.titles import (
    DEFAULT_TITLE,
    KeyBinding,
    TitleQueue,
    TitleRequests,
    Titles,
)
from application.chat.turns import StartChat, Turns
from application.conversations.conversations import Conversations
from application.conversations.messages import Messages

__all__ = ["DEFAULT_TITLE", "PROTOCOL", "ChatService", "StartChat"]


class ChatService:
    def __init__(
        self,
        conversations: Conversations,
        messages: Messages,
        catalog: Catalog,
        bus: StreamBus,
        frames: Frames,
        node: str = "local",
        titles: TitleRequests | None = None,
        titler: Titles | None = None,
        bind: KeyBinding | None = None,
        billing: TurnBilling | None = None,
        memory: Callable[[UUID], str] | None = None,
        agents: AgentChats | None = None,
        attachments: Attachments | None = None,
    ) -> None:
        """`agents` serves chats with an agent (endpoint `agents`, with its tools). `titles`
        queues model-made titles (a worker actor's `send`, made by `titler`);
        without it they are made by a task of this process, after the `final` frame either
        way. `bind` puts a `user_provided` endpoint on the user's own key; `billing` charges
        the turns (off without it). `memory`: the user's memory context for the system prompt
        (none without it)."""
        self.conversations = conversations
        self.catalog = catalog
        self.bus = bus
        self.titler = titler or Titles(conversations, catalog, bind, billing)
        self.generations = Generations(
            conversations, messages, bus, frames, TitleQueue(self.titler, titles), billing
        )
        self._tasks = self.generations.tasks  # the generations running in this process
        self.turns = Turns(
            conversations,
            messages,
            catalog,
            self.generations,
            node,
            bind,
            memory,
            agents,
            attachments,
        )
        self.watch = GenerationStatus(self.generations)
        self.sweeper = Sweep(conversations, catalog, self.generations, node)

    async def start(self, user_id: UUID, command: StartChat) -> dict[str, Any]:
        return await self.turns.start(user_id, command)

    def frames(
        self, user_id: UUID, stream_id: str, resume: bool = False
    ) -> AsyncIterator[dict[str, Any]]:
        return self.watch.follow(user_id, stream_id, resume)

    async def abort(self, user_id: UUID, stream_id: str) -> dict[str, Any]:
        return await self.watch.abort(user_id, stream_id)

    async def status(self, user_id: UUID, conversation_id: str) -> Status | None:
        return await self.watch.status(user_id, conversation_id)

    async def active(self, user_id: UUID) -> list[str]:
        return await self.watch.active(user_id)

    async def sweep(self, stale_after: float = 30.0) -> int:
        return await self.sweeper.run(stale_after)

    async def title_conversation(self, user_id: UUID, conversation_id: UUID) -> str | None:
        return await self.titler.title_conversation(user_id, conversation_id)

    async def close(self) -> None:
        await self.generations.close()
