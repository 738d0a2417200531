"""Resume is exact: the `sync` snapshot and the frames after it meet at one position."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import redis.asyncio

from api.chat.frames import LibreChatFrames
from application.chat.catalog import Endpoint
from application.chat.service import ChatService, StartChat
from infrastructure.chat.echo import EchoModel
from infrastructure.streams import RedisStreamBus

WORDS = " ".join(f"w{i}" for i in range(60))


def _client_text(frames: list[dict[str, Any]]) -> str:
    """What LibreChat's client shows: the sync snapshot's text, then every delta appended."""
    text = ""
    for frame in frames:
        data = frame["data"]
        if data.get("sync"):
            parts = data["resumeState"]["aggregatedContent"]
            text = "".join(p["text"] for p in parts if p["type"] == "text")
        elif data.get("event") == "on_message_delta":
            text += data["data"]["delta"]["content"][0]["text"]
    return text


async def _resumed(chat: ChatService, user: uuid.UUID, stream_id: str) -> tuple[str, str]:
    """(what a client resuming now shows before `final`, the text `final` carries)."""
    frames = [f async for f in chat.frames(user, stream_id, resume=True)]
    assert frames[0]["data"]["sync"] is True
    final = [f["data"]["responseMessage"]["text"] for f in frames if f["data"].get("final")]
    return _client_text(frames), "".join(final)


async def _resumed_text_at(
    writer: ChatService, reader: ChatService, user: uuid.UUID, points: list[int]
) -> list[tuple[str, str]]:
    """A client follows a turn on `writer`; after each of `points` deltas another client
    reloads and resumes on `reader`; and one more resumes after the turn ended."""
    started = await writer.start(user, StartChat(text=WORDS, endpoint="slow"))
    stream_id, seen, resumes = started["streamId"], 0, []
    async for frame in writer.frames(user, stream_id):
        if frame["data"].get("event") == "on_message_delta":
            seen += 1
            if seen in points:
                resumes.append(asyncio.create_task(_resumed(reader, user, stream_id)))
    assert len(resumes) == len(points)
    return [*await asyncio.gather(*resumes), await _resumed(reader, user, stream_id)]


def _slow(chat: ChatService) -> None:
    chat.catalog.add(Endpoint("slow", EchoModel(0.03), ["slow"], label="Slow", kind="echo"))


async def test_resume_shows_the_final_text_once_on_one_process(
    container_for: Callable[..., Any],
) -> None:
    container = container_for("sqlite")
    chat = container.chat
    _slow(chat)
    # Resumed after 1, 3, 40 and 55 deltas (past a heartbeat) and after the turn ended
    for shown, final in await _resumed_text_at(chat, chat, uuid.uuid4(), [1, 3, 40, 55]):
        assert shown == final == f"Echo: {WORDS}"


async def test_resume_shows_the_final_text_once_on_another_process(
    container_for: Callable[..., Any],
) -> None:
    # Given two API processes on one database and one Redis
    first = container_for("distributed")
    _slow(first.chat)
    client = redis.asyncio.Redis.from_url(first.settings.redis_url)
    second_bus = RedisStreamBus(client, first.settings.redis_prefix)
    second = ChatService(
        first.conversations,
        first.messages,
        first.chat.catalog,
        second_bus,
        LibreChatFrames(),
        node="second",
    )
    try:
        # When a client resumes on the second after reading part of the turn on the first
        points = [3, 40, 55]
        for shown, final in await _resumed_text_at(first.chat, second, uuid.uuid4(), points):
            # Then it shows the text once: no delta repeated, none missing
            assert shown == final == f"Echo: {WORDS}"
    finally:
        await client.aclose()
