"""A generation as its user sees it from any process: follow its frames (resuming exactly),
stop it, ask whether it runs, list the running ones."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

from application.chat.generation import Generations
from application.chat.ports import Job
from application.chat.progress import PROTOCOL, Status, Synced
from application.chat.resume import content_of, folded, resume_state, sync_position
from domain.shared.errors import NotFound


class GenerationStatus:
    def __init__(self, generations: Generations) -> None:
        self.generations = generations
        self.bus = generations.bus
        self.frames = generations.frames

    async def follow(
        self, user_id: UUID, stream_id: str, resume: bool = False
    ) -> AsyncIterator[dict[str, Any]]:
        """The stream's frames. With `resume`, first a `sync` frame holding the content of
        exactly the frames before it, then the frames after it (application/chat/resume.py)."""
        job = await self._own_job(user_id, stream_id)
        after = 0
        if resume:
            backlog = await self.bus.backlog(stream_id)
            after = sync_position(self.frames, backlog)
            content = folded(self.frames, job, backlog[:after])
            yield self.frames.encode(Synced(resume_state(job, content)))
        async for _number, frame in self.bus.frames(stream_id, after):
            yield frame

    async def abort(self, user_id: UUID, stream_id: str) -> dict[str, Any]:
        job = await self._own_job(user_id, stream_id)
        if job.status == "running":
            await self.bus.request_abort(stream_id)
            await self._settled(stream_id)
        return {"success": True, "aborted": stream_id, "generationProtocolVersion": PROTOCOL}

    async def status(self, user_id: UUID, conversation_id: str) -> Status | None:
        """The user's running generation in this conversation, if any."""
        job = await self.bus.get(conversation_id)
        if job is None or job.user_id != str(user_id) or job.status != "running":
            return None
        content = content_of(job.text, job.reasoning)
        return Status(
            job.stream_id, job.status, content, job.created_at, resume_state(job, content)
        )

    async def active(self, user_id: UUID) -> list[str]:
        return await self.bus.active(str(user_id))

    async def _own_job(self, user_id: UUID, stream_id: str) -> Job:
        job = await self.bus.get(stream_id)
        if job is None or job.user_id != str(user_id):
            raise NotFound("Stream not found")
        return job

    async def _settled(self, stream_id: str, timeout: float = 10.0) -> None:
        task = self.generations.tasks.get(stream_id)
        if task is not None:
            await asyncio.wait({task}, timeout=timeout)
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = await self.bus.get(stream_id)
            if job is None or job.status != "running":
                return
            await asyncio.sleep(0.05)
