"""Waiting on a generation's progress instead of sleeping: a test that stops, kills or resumes
a generation "mid-stream" first waits until it has streamed some text, however loaded the
machine is."""

from __future__ import annotations

import asyncio
import time
from typing import Any

TEXT_DELTA = "on_message_delta"  # LibreChat's frame for a piece of the answer


def has_text(frames: list[dict[str, Any]]) -> bool:
    return any((frame.get("data") or {}).get("event") == TEXT_DELTA for frame in frames)


async def until_text_streamed(bus: Any, stream_id: str, timeout: float = 10.0) -> None:
    """Until the stream bus holds a text frame of `stream_id`; fails after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not has_text(await bus.backlog(stream_id)):
        if time.monotonic() > deadline:
            raise AssertionError(f"no text streamed within {timeout} s")
        await asyncio.sleep(0.01)
