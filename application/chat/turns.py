"""Starting a turn: a repeated clientRequestId attaches to the first start; otherwise the user
message is recorded (and the conversation, if new) and the model call is planned: a new
question, a regenerated answer, or an answer continued from where it stopped."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import anyio
from eventsourcing.persistence import IntegrityError

from application.agents.chat import AgentChats, AgentSetup
from application.chat.catalog import Catalog
from application.chat.generation import Generations, Plan
from application.chat.ports import Attachments, Job, ModelRequest, Role, Turn
from application.chat.progress import PROTOCOL
from application.chat.titles import KeyBinding
from application.conversations.conversations import Conversations
from application.conversations.messages import Messages
from application.conversations.projects import Projects
from domain.conversations.conversation import Conversation, Message
from domain.conversations.rules import NO_PARENT
from domain.shared.errors import Conflict, Invalid, NotFound

# Derives a new conversation's id from its clientRequestId: a retried start names the same one.
REQUEST_IDS = UUID("5b0f2d8c-0c6e-4c1e-9f4a-7d7e3c2b1a09")


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
    is_temporary: bool = False  # LibreChat's isTemporary: a new conversation is never listed
    # the files sent with the text: the sender's own uploads are kept as recorded, others as sent
    files: list[dict[str, Any]] | None = None
    project_id: str | None = None  # chatProjectId: the chat project a new conversation joins
    agent_id: str | None = None  # a chat with this agent (endpoint `agents`)


class Turns:
    def __init__(
        self,
        conversations: Conversations,
        messages: Messages,
        catalog: Catalog,
        generations: Generations,
        node: str,
        bind: KeyBinding | None = None,
        memory: Callable[[UUID], str] | None = None,
        agents: AgentChats | None = None,
        attachments: Attachments | None = None,
    ) -> None:
        self.conversations = conversations
        self.attachments = attachments
        self.messages = messages
        self.catalog = catalog
        self.generations = generations
        self.bus = generations.bus
        self.frames = generations.frames
        self.node = node
        self.bind = bind
        self.memory = memory or (lambda _user: "")
        self.agents = agents

    async def start(self, user_id: UUID, command: StartChat) -> dict[str, Any]:
        """Answer at once; the generation runs on as a task of this process."""
        settled = await self.replay_of(user_id, command)
        if settled is not None:
            return settled
        plan = await anyio.to_thread.run_sync(self.prepare, user_id, command)
        if not await self.bus.create(plan.job):
            raise Conflict("A generation is already running for this conversation")
        self.generations.launch(plan, user_id)
        return {
            "streamId": plan.job.stream_id,
            "conversationId": plan.job.conversation_id,
            "generationCreatedAt": plan.job.created_at,
            "status": "started",
            "generationProtocolVersion": PROTOCOL,
        }

    async def replay_of(self, user_id: UUID, command: StartChat) -> dict[str, Any] | None:
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

    def prepare(self, user_id: UUID, command: StartChat) -> Plan:
        """Record the user message (and the conversation, if new) and plan the model call."""
        conversation_id, new = self._conversation_id(user_id, command)
        agent = self._agent(user_id, command)
        if agent is not None:
            endpoint, model = self.catalog.resolve(agent.endpoint, agent.model)
        else:
            endpoint, model = self.catalog.resolve(command.endpoint, command.model)
        if new:
            _check_first_turn(command)
            with contextlib.suppress(IntegrityError):  # a retry whose conversation is in
                self.conversations.start(
                    user_id,
                    conversation_id,
                    endpoint="agents" if agent is not None else endpoint.name,
                    model=model,
                    settings=dict(command.settings),
                    temporary=command.is_temporary,
                )
            if command.project_id and not command.is_temporary:
                Projects(self.conversations).place(user_id, conversation_id, command.project_id)
        conversation = self.conversations.get(user_id, conversation_id)
        user_message, parent_id, prefix = self._turn(user_id, conversation, command)
        if not new and (command.settings or command.endpoint or command.model):
            # after the turn is accepted: a refused turn changes nothing
            self.conversations.change_settings(
                user_id, conversation_id, endpoint.name, model, dict(command.settings)
            )
        response_id = str(_uuid(command.response_message_id) or uuid.uuid4())
        created_at = int(time.time() * 1000)
        job = Job(
            stream_id=str(conversation_id),
            conversation_id=str(conversation_id),
            user_id=str(user_id),
            created_at=created_at,
            response_message_id=response_id,
            user_message=user_message,
            owner=self.node,
            heartbeat=time.time(),
            text=prefix,
            prefix=prefix,
            client_request_id=command.client_request_id or "",
            new_conversation=new and not command.is_temporary,  # LibreChat titles no temporary chat
            endpoint=endpoint.name,
            model=model,
            # a continued answer keeps its message id, yet each continuation is its own turn
            turn_id=f"{response_id}:{created_at}"
            if prefix or command.is_continued
            else response_id,
        )
        current = self.conversations.get(user_id, conversation_id)
        history = _history(current.messages, parent_id, self._as_turn(user_id))
        if self.bind is not None:  # a `user_provided` endpoint runs on the user's own key
            endpoint = self.bind(user_id, endpoint)
        if agent is None:
            request = _request(model, history, current.settings, self.memory(user_id))
            return Plan(job, endpoint, model, request, parent_id)
        instructions = {**agent.parameters, "promptPrefix": agent.instructions}
        request = _request(model, history, instructions, self.memory(user_id))
        return Plan(job, endpoint, model, request, parent_id, agent.tools, agent.max_rounds)

    def _agent(self, user_id: UUID, command: StartChat) -> AgentSetup | None:
        if command.endpoint != "agents" and not command.agent_id:
            return None
        if self.agents is None:
            raise Invalid("Agents are not served")
        return self.agents.setup(user_id, command.agent_id)

    def _conversation_id(self, user_id: UUID, command: StartChat) -> tuple[UUID, bool]:
        given = command.conversation_id
        if given and given != "new":
            cid = _uuid(given)
            if cid is None:
                raise Invalid("Invalid conversationId")
            return cid, False
        if command.client_request_id:
            return uuid.uuid5(REQUEST_IDS, f"{user_id}:{command.client_request_id}"), True
        return uuid.uuid4(), True

    def _turn(
        self, user_id: UUID, conversation: Conversation, command: StartChat
    ) -> tuple[dict[str, Any], UUID, str]:
        """(the request message, the response's parent, text the response continues)."""
        if command.is_continued and command.response_message_id:
            response = conversation.message(_required(command.response_message_id))
            parent = conversation.message(response.parent_message_id)
            prefix = response.text if command.edited_text is None else command.edited_text
            return self.frames.message(parent, conversation.id), parent.message_id, prefix
        if command.is_regenerate:
            parent = conversation.message(
                _required(command.override_parent_message_id or command.parent_message_id)
            )
            return self.frames.message(parent, conversation.id), parent.message_id, ""
        if not command.text.strip():
            raise Invalid("Message text is required")
        message_id = _uuid(command.override_user_message_id) or uuid.uuid4()
        files = self._files(user_id, command)
        done = self.messages.post_message(
            user_id,
            conversation.id,
            message_id,
            _uuid(command.parent_message_id) or NO_PARENT,
            sender="User",
            is_created_by_user=True,
            text=command.text,
            **({"files": files} if files else {}),
        )
        message: Message = done.value
        if files and self.attachments is not None:
            self.attachments.attach(user_id, files, conversation.id, message_id)
        return self.frames.message(message, conversation.id), message_id, ""

    def _files(self, user_id: UUID, command: StartChat) -> list[dict[str, Any]]:
        if not command.files or self.attachments is None:
            return list(command.files or [])
        return self.attachments.resolve(user_id, command.files, command.endpoint)

    def _as_turn(self, user_id: UUID) -> Callable[[Message], Turn]:
        attachments = self.attachments

        def turn(m: Message) -> Turn:
            role: Role = "user" if m.is_created_by_user else "assistant"
            if m.files and attachments is not None:
                return attachments.turn(user_id, role, m.text, m.files)
            return Turn(role, m.text)

        return turn


def _request(
    model: str, history: list[Turn], settings: dict[str, Any], memory: str = ""
) -> ModelRequest:
    """The system prompt is the conversation's instructions, then the user's memories (as
    LibreChat appends its memory context to the instructions)."""
    system = "\n\n".join(p for p in (str(settings.get("promptPrefix") or ""), memory) if p)
    return ModelRequest(
        model=model,
        turns=history,
        system=system,
        temperature=_float(settings.get("temperature")),
        max_tokens=_int(settings.get("max_tokens")),
    )


def _history(
    messages: dict[UUID, Message], parent_id: UUID, as_turn: Callable[[Message], Turn]
) -> list[Turn]:
    path: list[Message] = []
    current = parent_id
    while current in messages and len(path) < 10_000:
        path.append(messages[current])
        current = messages[current].parent_message_id
    return [as_turn(m) for m in reversed(path)]


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
