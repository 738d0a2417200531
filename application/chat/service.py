"""Chat turns: record the user message, stream the model detached from the HTTP request,
record one assistant message at the end (or the partial text on abort or crash)."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import anyio
from eventsourcing.persistence import IntegrityError

from application.chat.catalog import Catalog, Endpoint
from application.chat.ports import (
    Job,
    ModelRequest,
    ProviderError,
    ReasoningDelta,
    StreamBus,
    TextDelta,
    Turn,
    Usage,
)
from application.conversations.presenters import conversation_json, message_json
from application.conversations.service import ConversationsService
from domain.conversations.conversation import Conversation, Message
from domain.conversations.rules import NO_PARENT
from domain.shared.errors import Conflict, Invalid, NotFound

PROTOCOL = 2
DEFAULT_TITLE = "New Chat"
ABORT_CHECK_S = 0.1  # how often a running generation looks for the user's stop
HEARTBEAT_S = 1.0  # how often it saves its progress for resume and the sweep
# Hands a new conversation to whoever makes its title: (user id, conversation id).
TitleRequests = Callable[[str, str], object]
_REQUEST_IDS = UUID("5b0f2d8c-0c6e-4c1e-9f4a-7d7e3c2b1a09")


@dataclass(frozen=True)
class StartChat:
    text: str
    conversation_id: str | None = None
    parent_message_id: str | None = None
    endpoint: str | None = None
    model: str | None = None
    client_request_id: str | None = None
    is_regenerate: bool = False
    override_parent_message_id: str | None = None
    response_message_id: str | None = None
    override_user_message_id: str | None = None
    is_continued: bool = False
    edited_text: str | None = None  # editedContent: the user's edit of the answer continued
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Plan:
    job: Job
    endpoint: Endpoint
    model: str
    request: ModelRequest
    parent_id: UUID
    prefix: str = ""


class Aborted(Exception):
    """The user pressed stop."""


class ChatService:
    def __init__(
        self,
        conversations: ConversationsService,
        catalog: Catalog,
        bus: StreamBus,
        node: str = "local",
        titles: TitleRequests | None = None,
    ) -> None:
        """`titles` queues model-made titles (a worker actor); without it they are made by a
        task of this process, after the `final` frame either way."""
        self.conversations = conversations
        self.catalog = catalog
        self.bus = bus
        self.node = node
        self.titles = titles
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._background: set[asyncio.Task[Any]] = set()

    # ----------------------------------------------------------------- start
    async def start(self, user_id: UUID, command: StartChat) -> dict[str, Any]:
        """Answer at once; the generation runs on as a task of this process."""
        settled = await self._replay_of(user_id, command)
        if settled is not None:
            return settled
        plan = await anyio.to_thread.run_sync(self._prepare, user_id, command)
        if not await self.bus.create(plan.job):
            raise Conflict("A generation is already running for this conversation")
        self._tasks[plan.job.stream_id] = asyncio.create_task(self._run(plan, user_id))
        return {
            "streamId": plan.job.stream_id,
            "conversationId": plan.job.conversation_id,
            "generationCreatedAt": plan.job.created_at,
            "status": "started",
            "generationProtocolVersion": PROTOCOL,
        }

    async def _replay_of(self, user_id: UUID, command: StartChat) -> dict[str, Any] | None:
        """The same clientRequestId again: attach to the first start, never start twice."""
        if not command.client_request_id:
            return None
        stream_id = await self.bus.by_request(str(user_id), command.client_request_id)
        job = await self.bus.get(stream_id) if stream_id else None
        if job is None:
            return None
        if job.status == "running":
            return {
                "streamId": job.stream_id,
                "conversationId": job.conversation_id,
                "status": "resumed",
                "generationProtocolVersion": PROTOCOL,
            }
        return {
            "conversationId": job.conversation_id,
            "status": "settled",
            "generationProtocolVersion": PROTOCOL,
        }

    def _prepare(self, user_id: UUID, command: StartChat) -> _Plan:
        """Record the user message (and the conversation, if new) and plan the model call."""
        conversation_id, new = self._conversation_id(user_id, command)
        endpoint, model = self.catalog.resolve(command.endpoint, command.model)
        if new:
            _check_first_turn(command)
            with contextlib.suppress(IntegrityError):  # a retry whose conversation is in
                self.conversations.start(
                    user_id,
                    conversation_id,
                    endpoint=endpoint.name,
                    model=model,
                    settings=dict(command.settings),
                )
        conversation = self.conversations.get(user_id, conversation_id)
        user_message, parent_id, prefix = self._turn(user_id, conversation, command)
        history = _history(self.conversations.get(user_id, conversation_id).messages, parent_id)
        response_id = _uuid(command.response_message_id) or uuid.uuid4()
        job = Job(
            stream_id=str(conversation_id),
            conversation_id=str(conversation_id),
            user_id=str(user_id),
            created_at=int(time.time() * 1000),
            response_message_id=str(response_id),
            user_message=user_message,
            owner=self.node,
            heartbeat=time.time(),
            text=prefix,
            client_request_id=command.client_request_id or "",
            new_conversation=new,
            endpoint=endpoint.name,
            model=model,
        )
        request = ModelRequest(
            model=model,
            turns=history,
            system=str(command.settings.get("promptPrefix") or ""),
            temperature=_float(command.settings.get("temperature")),
            max_tokens=_int(command.settings.get("max_tokens")),
        )
        return _Plan(job, endpoint, model, request, parent_id, prefix)

    def _conversation_id(self, user_id: UUID, command: StartChat) -> tuple[UUID, bool]:
        given = command.conversation_id
        if given and given != "new":
            cid = _uuid(given)
            if cid is None:
                raise Invalid("Invalid conversationId")
            return cid, False
        if command.client_request_id:
            return uuid.uuid5(_REQUEST_IDS, f"{user_id}:{command.client_request_id}"), True
        return uuid.uuid4(), True

    def _turn(
        self, user_id: UUID, conversation: Conversation, command: StartChat
    ) -> tuple[dict[str, Any], UUID, str]:
        """(the request message, the response's parent, text the response continues)."""
        if command.is_continued and command.response_message_id:
            response = conversation.message(_required(command.response_message_id))
            parent = conversation.message(response.parent_message_id)
            prefix = response.text if command.edited_text is None else command.edited_text
            return message_json(parent, conversation.id), parent.message_id, prefix
        if command.is_regenerate:
            parent = conversation.message(
                _required(command.override_parent_message_id or command.parent_message_id)
            )
            return message_json(parent, conversation.id), parent.message_id, ""
        if not command.text.strip():
            raise Invalid("Message text is required")
        message_id = _uuid(command.override_user_message_id) or uuid.uuid4()
        parent_id = _uuid(command.parent_message_id) or NO_PARENT
        done = self.conversations.post_message(
            user_id,
            conversation.id,
            message_id,
            parent_id,
            sender="User",
            is_created_by_user=True,
            text=command.text,
        )
        message: Message = done.value
        return message_json(message, conversation.id), message_id, ""

    # -------------------------------------------------------------- the run
    async def _run(self, plan: _Plan, user_id: UUID) -> None:
        job, step = plan.job, f"step_{uuid.uuid4().hex[:16]}"
        await self._publish(
            job, {"created": True, "message": job.user_message, "streamId": job.stream_id}
        )
        await self._publish(job, _run_step(step, job.response_message_id))
        usage = Usage()
        try:
            usage = await self._stream(plan, step)
        except ProviderError as error:
            await self._fail(plan, user_id, error)
            return
        except (Aborted, asyncio.CancelledError):
            await self._abort_finish(plan, user_id, usage)
            return
        finally:
            self._tasks.pop(job.stream_id, None)
        await self._complete(plan, user_id, usage)

    async def _stream(self, plan: _Plan, step: str) -> Usage:
        job, usage = plan.job, Usage()
        checked = time.monotonic()
        async for chunk in plan.endpoint.model.stream(plan.request):
            if isinstance(chunk, TextDelta):
                job.text += chunk.text
                await self._publish(job, _delta(step, "text", chunk.text))
            elif isinstance(chunk, ReasoningDelta):
                job.reasoning += chunk.text
                await self._publish(job, _delta(step, "think", chunk.text))
            else:
                usage = chunk
            if time.monotonic() - checked >= ABORT_CHECK_S:
                checked = time.monotonic()
                await self._heartbeat(job)
        await self._heartbeat(job)
        return usage

    async def _heartbeat(self, job: Job) -> None:
        """Stop if the user asked to (possibly through another API process); every second,
        save the text so far so a resume or the sweep sees it."""
        if await self.bus.abort_requested(job.stream_id):
            raise Aborted
        if time.time() - job.heartbeat > HEARTBEAT_S:
            job.heartbeat = time.time()
            await self.bus.save(job)

    async def _complete(self, plan: _Plan, user_id: UUID, usage: Usage) -> None:
        """Record the answer, then `final`. A new conversation gets its title: at once when it
        needs no model call (echo), otherwise from the title worker after `final`, delivered
        by `GET /api/convos/gen_title/:id` as LibreChat's client asks for it."""
        job = plan.job
        response = await self._record(plan, user_id, usage, unfinished=False)
        title = None
        if job.new_conversation and plan.endpoint.kind == "echo":
            title = await self._record_title(job, user_id, _title_from(_question(job)))
        conversation = await anyio.to_thread.run_sync(
            self.conversations.get, user_id, UUID(job.conversation_id)
        )
        await self._publish(
            job,
            {
                "final": True,
                "conversation": conversation_json(conversation),
                "title": title or conversation.title,
                "requestMessage": job.user_message,
                "responseMessage": response,
                "generationProtocolVersion": PROTOCOL,
            },
        )
        await self.bus.finish(job, "completed")
        if job.new_conversation and title is None:
            self._request_title(job.user_id, job.conversation_id)

    async def _abort_finish(self, plan: _Plan, user_id: UUID, usage: Usage) -> None:
        job = plan.job
        response = await self._record(plan, user_id, usage, unfinished=True)
        await self._publish(
            job,
            {
                "final": True,
                "conversation": {"conversationId": job.conversation_id},
                "title": "New Chat",
                "requestMessage": job.user_message,
                "responseMessage": response,
                "aborted": True,
                "earlyAbort": not job.text,
                "generationProtocolVersion": PROTOCOL,
            },
        )
        await self.bus.finish(job, "aborted")

    async def _fail(self, plan: _Plan, user_id: UUID, error: ProviderError) -> None:
        """The user message stays; the error is shown as LibreChat shows it."""
        job = plan.job
        await self.bus.publish(
            job.stream_id,
            {
                "event": "error",
                "data": {"error": error.message, "generationProtocolVersion": PROTOCOL},
            },
        )
        await self.bus.finish(job, "error")
        self._tasks.pop(job.stream_id, None)

    async def _record(
        self, plan: _Plan, user_id: UUID, usage: Usage, unfinished: bool
    ) -> dict[str, Any]:
        job = plan.job
        fields = {
            "sender": plan.endpoint.label or plan.model,
            "is_created_by_user": False,
            "text": job.text,
            "content": _content(job),
            "model": plan.model,
            "endpoint": plan.endpoint.name,
            "token_count": usage.completion,
            "unfinished": unfinished,
            "extra": {
                "usage": {
                    "prompt": usage.prompt,
                    "completion": usage.completion,
                    "cacheRead": usage.cache_read,
                    "cacheWrite": usage.cache_write,
                }
            },
        }
        message = await anyio.to_thread.run_sync(lambda: self._save(plan, user_id, fields))
        return message_json(message, job.conversation_id)

    def _save(self, plan: _Plan, user_id: UUID, fields: dict[str, Any]) -> Message:
        job, cid = plan.job, UUID(plan.job.conversation_id)
        response_id = UUID(job.response_message_id)
        conversation = self.conversations.get(user_id, cid)
        if response_id in conversation.messages:  # continue: the message grows
            done = self.conversations.edit_message(user_id, cid, response_id, job.text)
            return done.value  # type: ignore[no-any-return]
        done = self.conversations.post_message(user_id, cid, response_id, plan.parent_id, **fields)
        return done.value  # type: ignore[no-any-return]

    async def _record_title(self, job: Job, user_id: UUID, title: str) -> str:
        await anyio.to_thread.run_sync(
            lambda: self.conversations.retitle(
                user_id, UUID(job.conversation_id), title, generated=True
            )
        )
        await self._publish(
            job, {"event": "title", "data": {"conversationId": job.conversation_id, "title": title}}
        )
        return title

    async def _publish(self, job: Job, data: dict[str, Any]) -> None:
        await self.bus.publish(job.stream_id, {"event": "message", "data": data})

    def _request_title(self, user_id: str, conversation_id: str) -> None:
        if self.titles is not None:
            try:
                self.titles(user_id, conversation_id)
                return
            except Exception:  # a broker outage must not lose the title: make it here
                pass
        task = asyncio.create_task(self.title_conversation(UUID(user_id), UUID(conversation_id)))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # ----------------------------------------------------------------- titles
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
        title = await self._generate_title(conversation, question, answer)
        current = await anyio.to_thread.run_sync(self.conversations.get, user_id, conversation_id)
        if current.title not in ("", DEFAULT_TITLE):  # the user named it meanwhile
            return current.title
        await anyio.to_thread.run_sync(
            lambda: self.conversations.retitle(user_id, conversation_id, title, generated=True)
        )
        return title

    async def _generate_title(self, conversation: Conversation, question: str, answer: str) -> str:
        """Ask the conversation's own model for a short title (LibreChat's default); the offline
        echo model, an unknown endpoint or any failure falls back to the question's first words."""
        fallback = _title_from(question)
        try:
            endpoint, model = self.catalog.resolve(conversation.endpoint, conversation.model)
        except (Invalid, NotFound):
            return fallback
        if endpoint.kind == "echo":
            return fallback
        request = ModelRequest(
            model=model,
            max_tokens=32,
            turns=[
                Turn("user", TITLE_PROMPT.format(question=question[:2000], answer=answer[:2000]))
            ],
        )
        try:
            with anyio.fail_after(15):
                parts = [
                    c.text async for c in endpoint.model.stream(request) if isinstance(c, TextDelta)
                ]
        except (ProviderError, TimeoutError):
            return fallback
        return _clean_title("".join(parts)) or fallback

    # ------------------------------------------------------ status and abort
    async def frames(
        self, user_id: UUID, stream_id: str, resume: bool = False
    ) -> AsyncIterator[dict[str, Any]]:
        job = await self._own_job(user_id, stream_id)
        after = 0
        if resume:
            async for number, _frame in self.bus.frames(stream_id):
                after = number
                if job.status == "running":
                    break
            yield {
                "event": "message",
                "data": {"sync": True, "resumeState": _resume_state(job), "pendingEvents": []},
            }
        async for _number, frame in self.bus.frames(stream_id, after):
            yield frame

    async def abort(self, user_id: UUID, stream_id: str) -> dict[str, Any]:
        job = await self._own_job(user_id, stream_id)
        if job.status == "running":
            await self.bus.request_abort(stream_id)
            await self._settled(stream_id)
        return {"success": True, "aborted": stream_id, "generationProtocolVersion": PROTOCOL}

    async def status(self, user_id: UUID, conversation_id: str) -> dict[str, Any]:
        job = await self.bus.get(conversation_id)
        if job is None or job.user_id != str(user_id) or job.status != "running":
            return {"active": False, "generationProtocolVersion": PROTOCOL}
        return {
            "active": True,
            "generationProtocolVersion": PROTOCOL,
            "streamId": job.stream_id,
            "status": job.status,
            "aggregatedContent": _content(job),
            "createdAt": job.created_at,
            "resumeState": _resume_state(job),
        }

    async def active(self, user_id: UUID) -> list[str]:
        return await self.bus.active(str(user_id))

    async def _own_job(self, user_id: UUID, stream_id: str) -> Job:
        job = await self.bus.get(stream_id)
        if job is None or job.user_id != str(user_id):
            raise NotFound("Stream not found")
        return job

    async def _settled(self, stream_id: str, timeout: float = 10.0) -> None:
        task = self._tasks.get(stream_id)
        if task is not None:
            await asyncio.wait({task}, timeout=timeout)
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = await self.bus.get(stream_id)
            if job is None or job.status != "running":
                return
            await asyncio.sleep(0.05)

    # ---------------------------------------------------------------- sweep
    async def sweep(self, stale_after: float = 30.0) -> int:
        """Finish generations whose process died: keep the text streamed so far."""
        swept = 0
        for job in await self.bus.running():
            if job.stream_id in self._tasks or time.time() - job.heartbeat < stale_after:
                continue
            user_id = UUID(job.user_id)
            try:
                endpoint, model = self.catalog.resolve(job.endpoint or None, job.model or None)
            except Invalid:  # no longer configured here: record it under the default
                endpoint, model = self.catalog.resolve(None, None)
            plan = _Plan(
                job,
                endpoint,
                model,
                ModelRequest(model=model, turns=[]),
                UUID(str(job.user_message.get("messageId"))),
            )
            await self._abort_finish(plan, user_id, Usage())
            swept += 1
        return swept

    async def close(self) -> None:
        """Stop local generations; each records its partial text as unfinished."""
        tasks = list(self._tasks.values())
        for task in self._background:  # titles not made now are made by the next request
            task.cancel()
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=10)


def _history(messages: dict[UUID, Message], parent_id: UUID) -> list[Turn]:
    path: list[Message] = []
    current = parent_id
    while current in messages and len(path) < 10_000:
        path.append(messages[current])
        current = messages[current].parent_message_id
    return [Turn("user" if m.is_created_by_user else "assistant", m.text) for m in reversed(path)]


def _question(job: Job) -> str:
    return str(job.user_message.get("text") or "")


def _first_exchange(conversation: Conversation) -> tuple[str | None, str]:
    """The earliest user message and the earliest answer to it."""
    ordered = sorted(conversation.messages.values(), key=lambda m: m.created_at)
    question = next((m for m in ordered if m.is_created_by_user), None)
    if question is None:
        return None, ""
    answer = next((m.text for m in ordered if m.parent_message_id == question.message_id), "")
    return question.text, answer


def _run_step(step: str, response_id: str) -> dict[str, Any]:
    return {
        "event": "on_run_step",
        "data": {
            "id": step,
            "runId": response_id,
            "index": 0,
            "type": "message_creation",
            "stepDetails": {
                "type": "message_creation",
                "message_creation": {"message_id": response_id},
            },
            "usage": None,
        },
    }


def _delta(step: str, kind: str, text: str) -> dict[str, Any]:
    event = "on_message_delta" if kind == "text" else "on_reasoning_delta"
    return {
        "event": event,
        "data": {"id": step, "delta": {"content": [{"type": kind, kind: text}]}},
    }


def _content(job: Job) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    if job.reasoning:
        parts.append({"type": "think", "think": job.reasoning})
    parts.append({"type": "text", "text": job.text})
    return parts


def _resume_state(job: Job) -> dict[str, Any]:
    return {
        "runSteps": [],
        "aggregatedContent": _content(job),
        "userMessage": {
            k: job.user_message.get(k)
            for k in ("messageId", "parentMessageId", "conversationId", "text")
        },
        "responseMessageId": job.response_message_id,
        "conversationId": job.conversation_id,
    }


TITLE_PROMPT = (
    "Write a concise title (at most 7 words, no quotes, no punctuation at the end) for this "
    "conversation.\nUser: {question}\nAssistant: {answer}\nTitle:"
)


def _clean_title(text: str) -> str:
    title = " ".join(text.replace("Title:", "").split())[:120]
    return title.strip(" \"'.")


def _title_from(text: str) -> str:
    words = text.split()
    return " ".join(words[:7])[:1024]


def _uuid(value: str | None) -> UUID | None:
    try:
        return UUID(value) if value else None
    except ValueError:
        return None


def _check_first_turn(command: StartChat) -> None:
    """Refuse, before a new conversation is recorded, what `_turn` would refuse on it (it has
    no messages yet): a start that fails must not leave an empty conversation behind."""
    if command.is_continued and command.response_message_id:
        _required(command.response_message_id)
        raise NotFound("Message not found")
    if command.is_regenerate:
        _required(command.override_parent_message_id or command.parent_message_id)
        raise NotFound("Message not found")
    if not command.text.strip():
        raise Invalid("Message text is required")


def _required(value: str | None) -> UUID:
    parsed = _uuid(value)
    if parsed is None:
        raise Invalid("A message id is required")
    return parsed


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None
