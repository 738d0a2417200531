"""Titles of new conversations: made from the first exchange by the conversation's own model,
queued to a worker after the turn's `final` (or made by this process when the queue fails)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from uuid import UUID

import anyio

from application.chat.catalog import Catalog, Endpoint
from application.chat.charging import TurnBilling
from application.chat.ports import ModelRequest, ProviderError, TextDelta, Turn, Usage
from application.conversations.conversations import Conversations
from domain.conversations.conversation import Conversation
from domain.conversations.rules import DEFAULT_TITLE, storable
from domain.shared.errors import Invalid, NotFound

# Hands a new conversation to whoever makes its title: (user id, conversation id).
TitleRequests = Callable[[str, str], object]
# The endpoint as a user's turn runs on it (their own key for a `user_provided` one).
KeyBinding = Callable[[UUID, Endpoint], Endpoint]
TITLE_PROMPT = (
    "Write a concise title (at most 7 words, no quotes, no punctuation at the end) for this "
    "conversation.\nUser: {question}\nAssistant: {answer}\nTitle:"
)
__all__ = ["DEFAULT_TITLE", "TitleQueue", "TitleRequests", "Titles", "title_from"]


class Titles:
    def __init__(
        self,
        conversations: Conversations,
        catalog: Catalog,
        bind: KeyBinding | None = None,
        billing: TurnBilling | None = None,
    ) -> None:
        """`bind` puts a `user_provided` endpoint on the user's own key; `billing` charges a
        model-made title's tokens (context `title`, as LibreChat)."""
        self.conversations = conversations
        self.catalog = catalog
        self.bind = bind
        self.billing = billing or TurnBilling(None, None)

    async def title_conversation(self, user_id: UUID, conversation_id: UUID) -> str | None:
        """Title a conversation from its first exchange with the model it used, unless it has a
        title already (a retried or duplicated request changes nothing). Returns the title."""
        conversation = await anyio.to_thread.run_sync(
            self.conversations.get, user_id, conversation_id
        )
        if conversation.title not in ("", DEFAULT_TITLE):
            return conversation.title
        question, answer = _first_exchange(conversation)
        if question is None:
            return None
        title = storable(await self._generate(user_id, conversation, question, answer))
        current = await anyio.to_thread.run_sync(self.conversations.get, user_id, conversation_id)
        if current.title not in ("", DEFAULT_TITLE):  # the user named it meanwhile
            return current.title
        await anyio.to_thread.run_sync(
            lambda: self.conversations.retitle(user_id, conversation_id, title, generated=True)
        )
        return title

    async def _generate(
        self, user_id: UUID, conversation: Conversation, question: str, answer: str
    ) -> str:
        """Ask the conversation's own model (or the endpoint's `titleModel`) for a short title
        (LibreChat's default); the offline echo model, `titleConvo: false`, an unknown endpoint
        or any failure falls back to the question's first words."""
        fallback = title_from(question)
        try:
            endpoint, model = self.catalog.resolve(conversation.endpoint, conversation.model)
        except (Invalid, NotFound):
            return fallback
        if endpoint.kind == "echo" or not endpoint.title_convo:
            return fallback
        model = endpoint.title_model or model
        if self.bind is not None:
            endpoint = await anyio.to_thread.run_sync(self.bind, user_id, endpoint)
        prompt = TITLE_PROMPT.format(question=question[:2000], answer=answer[:2000])
        request = ModelRequest(model=model, max_tokens=32, turns=[Turn("user", prompt)])
        parts: list[str] = []
        usage: Usage | None = None
        try:
            with anyio.fail_after(15):
                async for chunk in endpoint.model.stream(request):
                    if isinstance(chunk, TextDelta):
                        parts.append(chunk.text)
                    elif isinstance(chunk, Usage):
                        usage = chunk
        except (ProviderError, TimeoutError):
            return fallback
        text = "".join(parts)
        await self.billing.charge_title(user_id, conversation.id, model, prompt, text, usage)
        return _clean_title(text) or fallback


class TitleQueue:
    """Sends title requests (a worker actor's `send`); without one, or when the send fails,
    the title is made by a task of this process."""

    def __init__(self, titles: Titles, send: TitleRequests | None = None) -> None:
        self.titles = titles
        self.send = send
        self._background: set[asyncio.Task[Any]] = set()

    async def request(self, user_id: str, conversation_id: str) -> None:
        """The broker's send is a blocking network call: off the event loop, so a slow or
        failing Redis stalls no other request."""
        if self.send is not None:
            try:
                await anyio.to_thread.run_sync(self.send, user_id, conversation_id)
                return
            except Exception:  # a broker outage must not lose the title: make it here
                pass
        made = self.titles.title_conversation(UUID(user_id), UUID(conversation_id))
        task = asyncio.create_task(made)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def close(self) -> None:
        """Titles not made now are made by the next request for them."""
        for task in self._background:
            task.cancel()


def title_from(text: str) -> str:
    """The question's first words: the title when no model makes one."""
    words = text.split()
    return " ".join(words[:7])[:1024]


def _first_exchange(conversation: Conversation) -> tuple[str | None, str]:
    """The earliest user message and the earliest answer to it."""
    ordered = sorted(conversation.messages.values(), key=lambda m: m.created_at)
    question = next((m for m in ordered if m.is_created_by_user), None)
    if question is None:
        return None, ""
    answer = next((m.text for m in ordered if m.parent_message_id == question.message_id), "")
    return question.text, answer


def _clean_title(text: str) -> str:
    title = " ".join(text.replace("Title:", "").split())[:120]
    return title.strip(" \"'.")
