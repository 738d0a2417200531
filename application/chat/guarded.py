"""The stream bus as a running generation sees it: a failing bus never stops the turn.

The event store, not the bus, is the source of truth for a chat turn. When Redis fails
mid-generation the model keeps streaming and the answer is still recorded; only the live
frames (and the user's stop button, through another process) are lost until the bus is back.
Each failed call is skipped, so a bus that comes back serves the rest of the turn."""

from __future__ import annotations

import logging

from application.chat.ports import Job, StreamBus
from application.chat.progress import Frames, Progress

log = logging.getLogger("chronicle.chat")


class GuardedBus:
    """Writes of one generation to the bus; errors are logged (once per turn) and skipped.
    What happened is encoded into its wire frame here, the one place frames are published."""

    def __init__(self, bus: StreamBus, job: Job, frames: Frames) -> None:
        self._bus = bus
        self._job = job
        self._frames = frames
        self.failures = 0

    async def publish(self, value: Progress) -> None:
        frame = self._frames.encode(value)  # outside the guard: a bad value is a bug, not an outage
        try:
            await self._bus.publish(self._job.stream_id, frame)
        except Exception as error:
            self._failed("publish", error)

    async def save(self) -> None:
        try:
            await self._bus.save(self._job)
        except Exception as error:
            self._failed("save", error)

    async def finish(self, status: str) -> None:
        try:
            await self._bus.finish(self._job, status)
        except Exception as error:
            self._failed("finish", error)

    async def abort_requested(self) -> bool:
        """A bus that cannot answer has no stop request to give."""
        try:
            return await self._bus.abort_requested(self._job.stream_id)
        except Exception as error:
            self._failed("abort check", error)
            return False

    def _failed(self, what: str, error: Exception) -> None:
        self.failures += 1
        if self.failures == 1:
            log.warning(
                "stream bus %s failed for generation %s; it goes on and is recorded: %r",
                what,
                self._job.stream_id,
                error,
            )
