"""A deterministic offline model: answers with the last user message, word by word."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from application.chat.ports import Chunk, ModelRequest, TextDelta, Usage


class EchoModel:
    """`delay` seconds between words lets tests abort or disconnect mid-stream."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay

    async def stream(self, request: ModelRequest) -> AsyncIterator[Chunk]:
        turn = next((t for t in reversed(request.turns) if t.role == "user"), None)
        last = turn.text if turn else ""
        seen = (
            "".join(f" [image {i.type} {len(i.data)} bytes]" for i in turn.images) if turn else ""
        )
        words = f"Echo: {last}{seen}".split(" ")
        for index, word in enumerate(words):
            if self.delay:
                await asyncio.sleep(self.delay)
            yield TextDelta(word if index == 0 else f" {word}")
        prompt = sum(len(t.text.split()) for t in request.turns) + len(request.system.split())
        yield Usage(prompt=prompt, completion=len(words))
