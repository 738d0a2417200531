"""Where a resuming client's `sync` snapshot stands, and what it holds.

LibreChat's client applies `resumeState.aggregatedContent` from the `sync` frame and then
appends every delta that follows. So the snapshot must be the fold of exactly the frames
before a position, and the replay must start right after it: no gap, no overlap. The fold
is made from the frames themselves (not from the job's last heartbeat, up to a second old),
so it is exact on any process that reads the same frames."""

from __future__ import annotations

from typing import Any

from application.chat.ports import Job
from application.chat.progress import Frames, ResumeState


def sync_position(frames: Frames, backlog: list[dict[str, Any]]) -> int:
    """How many frames the snapshot covers: all so far, but never the terminal frame (the
    `final` or `error` a resuming client must still receive)."""
    for index, frame in enumerate(backlog):
        if frames.terminal(frame):
            return index
    return len(backlog)


def folded(frames: Frames, job: Job, backlog: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The aggregated content the client would hold after these frames."""
    text: list[str] = [job.prefix]
    reasoning: list[str] = []
    for frame in backlog:
        for delta in frames.deltas(frame):
            (text if delta.kind == "text" else reasoning).append(delta.text)
    return content_of("".join(text), "".join(reasoning))


def content_of(text: str, reasoning: str) -> list[dict[str, Any]]:
    """A message's content parts, as recorded and as a client aggregates them."""
    parts: list[dict[str, Any]] = []
    if reasoning:
        parts.append({"type": "think", "think": reasoning})
    parts.append({"type": "text", "text": text})
    return parts


def resume_state(job: Job, content: list[dict[str, Any]]) -> ResumeState:
    return ResumeState(content, job.user_message, job.response_message_id, job.conversation_id)
