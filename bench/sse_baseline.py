"""The memory baseline: a bare Litestar app that holds server-sent-event streams open, what a
streaming endpoint costs before any application state. Run: python -m bench.sse_baseline PORT"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator

import uvicorn
from litestar import Litestar, get
from litestar.response import ServerSentEvent


@get("/stream")
async def stream() -> ServerSentEvent:
    async def frames() -> AsyncIterator[str]:
        yield '{"created":true}'
        await asyncio.sleep(3600)

    return ServerSentEvent(frames())


if __name__ == "__main__":
    uvicorn.run(Litestar([stream]), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
