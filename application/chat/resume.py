"""Where a resuming client's `sync` snapshot stands, and what it holds.

LibreChat's client applies `resumeState.aggregatedContent` from the `sync` frame and then
appends every delta that follows. So the snapshot must be the fold of exactly the frames
before a position, and the replay must start right after it: no gap, no overlap. The fold
is made from the frames themselves (not from the job's last heartbeat, up to a second old),
so it is exact on any process that reads the same frames."""

from __future__ import annotations

from typing import Any

from application.chat.ports import Job


def sync_position(backlog: list[dict[str, Any]]) -> int:
    """How many frames the snapshot covers: all so far, but never the terminal frame (the
    `final` or `error` a resuming client must still receive)."""
    for index, frame in enumerate(backlog):
        if _terminal(frame):
            return index
    return len(backlog)


def folded(job: Job, frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The aggregated content the client would hold after these frames."""
    text, reasoning = [job.prefix], []
    for frame in frames:
        data = frame.get("data") or {}
        event = data.get("event")
        if event not in ("on_message_delta", "on_reasoning_delta"):
            continue
        for part in data["data"]["delta"]["content"]:
            if part.get("type") == "text":
                text.append(str(part.get("text", "")))
            elif part.get("type") == "think":
                reasoning.append(str(part.get("think", "")))
    return content_of("".join(text), "".join(reasoning))


def content_of(text: str, reasoning: str) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    if reasoning:
        parts.append({"type": "think", "think": reasoning})
    parts.append({"type": "text", "text": text})
    return parts


def resume_state(job: Job, content: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "runSteps": [],
        "aggregatedContent": content,
        "userMessage": {
            k: job.user_message.get(k)
            for k in ("messageId", "parentMessageId", "conversationId", "text")
        },
        "responseMessageId": job.response_message_id,
        "conversationId": job.conversation_id,
    }


def _terminal(frame: dict[str, Any]) -> bool:
    data = frame.get("data") or {}
    return frame.get("event") == "error" or data.get("final") is True
