"""A generation: stream the model into the bus, detached from any HTTP request, and record one
assistant message at the end (or the partial text, unfinished, on abort or crash)."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass, field, replace
from typing import Any
from uuid import UUID

import anyio
import msgspec

from application.agents.tools import Outcome, Tool
from application.agents.tools import run as run_tool
from application.billing.charges import TokenBalance
from application.chat.catalog import Endpoint
from application.chat.charging import TurnBilling
from application.chat.guarded import GuardedBus
from application.chat.ports import (
    Job,
    ModelRequest,
    ProviderError,
    ReasoningDelta,
    StreamBus,
    TextDelta,
    ToolCall,
    Turn,
    Usage,
)
from application.chat.progress import (
    Created,
    Delta,
    Failed,
    Final,
    Frames,
    RunStep,
    Titled,
    ToolArgs,
    ToolDone,
    ToolStep,
)
from application.chat.resume import content_of
from application.chat.titles import DEFAULT_TITLE, TitleQueue, title_from
from application.conversations.conversations import Conversations
from application.conversations.messages import Messages
from domain.conversations.conversation import Conversation, Message
from domain.conversations.rules import storable

log = logging.getLogger("chronicle.chat")
ABORT_CHECK_S = 0.1  # how often a running generation looks for the user's stop
HEARTBEAT_S = 1.0  # how often it saves its progress for resume and the sweep


@dataclass
class Plan:
    """A generation to run: its job on the bus, the model call, where the answer goes."""

    job: Job
    endpoint: Endpoint
    model: str
    request: ModelRequest
    parent_id: UUID
    tools: list[Tool] = field(default_factory=list)  # an agent's: the model may call them
    max_rounds: int = 0  # model calls that may ask for tools; one more answers without


@dataclass
class _Run:
    plan: Plan
    wire: GuardedBus
    user_id: UUID
    usage: Usage | None = None  # of every model call so far, as the provider reported it
    parts: list[dict[str, Any]] = field(default_factory=list)  # content, when tools ran
    steps: int = 0  # the run steps published (the next step's content index)

    @property
    def job(self) -> Job:
        return self.plan.job


class Aborted(Exception):
    """The user pressed stop."""


class Generations:
    """The generations this process runs, by stream id."""

    def __init__(
        self,
        conversations: Conversations,
        messages: Messages,
        bus: StreamBus,
        frames: Frames,
        titles: TitleQueue,
        billing: TurnBilling | None = None,
    ) -> None:
        self.conversations = conversations
        self.messages = messages
        self.bus = bus
        self.frames = frames
        self.titles = titles
        self.billing = billing or TurnBilling(None, None)
        self.tasks: dict[str, asyncio.Task[None]] = {}

    def launch(self, plan: Plan, user_id: UUID) -> None:
        run = _Run(plan, GuardedBus(self.bus, plan.job, self.frames), user_id)
        self.tasks[plan.job.stream_id] = asyncio.create_task(self._run(run))

    async def finish_aborted(self, plan: Plan, user_id: UUID) -> None:
        """Record what was streamed so far as unfinished, then `final` (the sweep's end)."""
        run = _Run(plan, GuardedBus(self.bus, plan.job, self.frames), user_id)
        await self._abort_finish(run, Usage())

    async def close(self) -> None:
        """Stop local generations; each records its partial text as unfinished."""
        tasks = list(self.tasks.values())
        self.titles.close()
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=10)

    async def _run(self, run: _Run) -> None:
        job = run.job
        await run.wire.publish(Created(job.user_message, job.stream_id))
        if not await self._hold(run):
            return
        usage = Usage()
        try:
            usage = await self._stream(run)
        except ProviderError as error:
            await self._fail(run, error)
            return
        except (Aborted, asyncio.CancelledError):
            await self._abort_finish(run, usage)
            return
        finally:
            self.tasks.pop(job.stream_id, None)
        await self._complete(run, usage)

    async def _stream(self, run: _Run) -> Usage:
        """The model calls of the turn: while the model asks for tools (at most
        `max_rounds` times), run them and call it again with their results."""
        plan, request, total, rounds = run.plan, run.plan.request, Usage(), 0
        while True:
            rounds += 1
            offered = plan.tools if rounds <= plan.max_rounds else []
            request = replace(request, tools=tuple(t.spec for t in offered))
            text, calls, usage = await self._call(run, request, total)
            total = _sum(total, usage)
            if not calls or not offered:
                return total
            turns = [Turn("assistant", text, tool_calls=tuple(calls))]
            for call in calls:
                outcome = await self._use_tool(run, call, rounds)
                turns.append(Turn("tool", outcome.output, (), call.id, outcome.is_error))
            request = replace(request, turns=[*request.turns, *turns])

    async def _call(
        self, run: _Run, request: ModelRequest, before: Usage
    ) -> tuple[str, list[ToolCall], Usage]:
        """One model call streamed as a text step: its text, the tools it asked for."""
        job, step, text = run.job, self._step(run), ""
        await run.wire.publish(RunStep(step[0], job.response_message_id, step[1]))
        calls: list[ToolCall] = []
        usage, checked = Usage(), time.monotonic()
        async for chunk in run.plan.endpoint.model.stream(request):
            if isinstance(chunk, TextDelta):
                piece = storable(chunk.text)
                job.text, text = job.text + piece, text + piece
                await run.wire.publish(Delta(step[0], "text", piece))
            elif isinstance(chunk, ReasoningDelta):
                piece = storable(chunk.text)
                job.reasoning += piece
                await run.wire.publish(Delta(step[0], "think", piece))
            elif isinstance(chunk, ToolCall):
                calls.append(chunk)
            else:
                usage = chunk
                run.usage = _sum(before, chunk)
            if time.monotonic() - checked >= ABORT_CHECK_S:
                checked = time.monotonic()
                await self._heartbeat(run)
        await self._heartbeat(run)
        if text:
            run.parts.append({"type": "text", "text": text})
        return text, calls, usage

    async def _use_tool(self, run: _Run, call: ToolCall, round_no: int) -> Outcome:
        """Run one call (an unknown tool, an error or a timeout is the model's to read),
        stream its steps, and record it on the conversation."""
        call = ToolCall(
            storable(call.id)[:200], storable(call.name)[:200], storable(call.arguments)
        )
        step_id, index = self._step(run)
        started = ToolStep(step_id, run.job.response_message_id, index, call)
        await run.wire.publish(started)
        await run.wire.publish(ToolArgs(started))
        tool = next((t for t in run.plan.tools if t.spec.name == call.name), None)
        outcome = (
            await run_tool(tool, call.arguments)
            if tool is not None
            else Outcome(f"Error: there is no tool named {call.name}", True)
        )
        outcome = Outcome(storable(outcome.output), outcome.is_error)
        await run.wire.publish(ToolDone(step_id, index, call, outcome.output))
        run.parts.append(
            {
                "type": "tool_call",
                "tool_call": {
                    "id": call.id,
                    "name": call.name,
                    "args": call.arguments,
                    "output": outcome.output,
                    "progress": 1,
                    "type": "tool_call",
                },
            }
        )
        record = {
            "call_id": call.id,
            "name": call.name,
            "args": call.arguments,
            "output": outcome.output,
            "is_error": outcome.is_error,
            "round": round_no,
        }
        response_id, cid = UUID(run.job.response_message_id), UUID(run.job.conversation_id)
        await anyio.to_thread.run_sync(
            lambda: self.conversations.change(
                run.user_id, cid, lambda c: c.record_tool_call(response_id, record)
            )
        )
        await self._heartbeat(run)
        return outcome

    def _step(self, run: _Run) -> tuple[str, int]:
        run.steps += 1
        return f"step_{uuid.uuid4().hex[:16]}", run.steps - 1

    async def _hold(self, run: _Run) -> bool:
        """Reserve the prompt's cost; without the credit the turn ends as LibreChat's does:
        the user message stays, the `token_balance` error is the stream's error frame."""
        job = run.job
        try:
            await self.billing.hold(job, run.plan.request, run.plan.endpoint.kind)
        except TokenBalance as refused:
            self.tasks.pop(job.stream_id, None)
            await run.wire.publish(Failed(msgspec.json.encode(refused.message()).decode()))
            await run.wire.finish("error")
            return False
        except Exception:  # the ledger is unreachable: no turn runs unpaid
            log.exception("could not hold credit for turn %s", job.turn_id)
            self.tasks.pop(job.stream_id, None)
            await run.wire.publish(Failed("Error checking your balance. Please try again."))
            await run.wire.finish("error")
            return False
        return True

    async def _heartbeat(self, run: _Run) -> None:
        """Stop if the user asked to (possibly through another API process); every second,
        save the text so far so the status and the sweep see it."""
        if await run.wire.abort_requested():
            raise Aborted
        if time.time() - run.job.heartbeat > HEARTBEAT_S:
            run.job.heartbeat = time.time()
            await run.wire.save()

    async def _complete(self, run: _Run, usage: Usage) -> None:
        """Record the answer, then `final`. A new conversation gets its title: at once when it
        needs no model call (echo), otherwise from the title worker after `final`, delivered
        by `GET /api/convos/gen_title/:id` as LibreChat's client asks for it."""
        job = run.job
        response = await self._record(run, usage, unfinished=False)
        await self.billing.settle(job, usage, "completed")
        title = None
        if job.new_conversation and run.plan.endpoint.kind == "echo":
            title = await self._record_title(
                run, title_from(str(job.user_message.get("text") or ""))
            )
        conversation = await self._conversation(run)
        await run.wire.publish(
            Final(
                self.frames.conversation(conversation),
                title or conversation.title,
                job.user_message,
                response,
            )
        )
        await run.wire.finish("completed")
        if job.new_conversation and title is None:
            await self.titles.request(job.user_id, job.conversation_id)

    async def _abort_finish(self, run: _Run, usage: Usage) -> None:
        job = run.job
        response = await self._record(run, usage, unfinished=True)
        await self.billing.settle(job, usage, "aborted")
        conversation = await self._conversation(run)
        await run.wire.publish(
            Final(
                {"conversationId": job.conversation_id},
                conversation.title or DEFAULT_TITLE,
                job.user_message,
                response,
                aborted=True,
                early_abort=not job.text,
            )
        )
        await run.wire.finish("aborted")

    async def _fail(self, run: _Run, error: ProviderError) -> None:
        """The user message stays; the error is shown as LibreChat shows it."""
        await self.billing.settle(run.job, run.usage, "failed")
        await run.wire.publish(Failed(error.message))
        await run.wire.finish("error")
        self.tasks.pop(run.job.stream_id, None)

    async def _conversation(self, run: _Run) -> Conversation:
        return await anyio.to_thread.run_sync(
            self.conversations.get, run.user_id, UUID(run.job.conversation_id)
        )

    async def _record(self, run: _Run, usage: Usage, unfinished: bool) -> dict[str, Any]:
        job, plan = run.job, run.plan
        fields = {
            "sender": plan.endpoint.label or plan.model,
            "is_created_by_user": False,
            "text": job.text,
            "content": _content(run),
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
        message = await anyio.to_thread.run_sync(lambda: self._save(run, fields))
        return self.frames.message(message, job.conversation_id)

    def _save(self, run: _Run, fields: dict[str, Any]) -> Message:
        job, cid = run.job, UUID(run.job.conversation_id)
        response_id = UUID(job.response_message_id)
        conversation = self.conversations.get(run.user_id, cid)
        if response_id in conversation.messages:  # continue: the message grows
            done = self.messages.edit_message(run.user_id, cid, response_id, job.text)
            return done.value  # type: ignore[no-any-return]
        done = self.messages.post_message(
            run.user_id, cid, response_id, run.plan.parent_id, **fields
        )
        return done.value  # type: ignore[no-any-return]

    async def _record_title(self, run: _Run, title: str) -> str:
        cid = run.job.conversation_id
        await anyio.to_thread.run_sync(
            lambda: self.conversations.retitle(run.user_id, UUID(cid), title, generated=True)
        )
        await run.wire.publish(Titled(cid, title))
        return title


def _content(run: _Run) -> list[dict[str, Any]]:
    """The answer's parts: text and tool calls in order when tools ran, else as before."""
    if not any(p["type"] == "tool_call" for p in run.parts):
        return content_of(run.job.text, run.job.reasoning)
    think = [{"type": "think", "think": run.job.reasoning}] if run.job.reasoning else []
    return [*think, *run.parts]


def _sum(a: Usage, b: Usage) -> Usage:
    return Usage(
        a.prompt + b.prompt,
        a.completion + b.completion,
        a.cache_read + b.cache_read,
        a.cache_write + b.cache_write,
    )
