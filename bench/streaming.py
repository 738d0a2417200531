"""Issue 4's bench: time to first token and tokens/s through Chronicle's SSE, against reading
the same local provider server directly with the OpenAI SDK, at 1 and 100 concurrent streams.

Both the provider and Chronicle run as separate processes; the readers share this one."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import openai

from bench.common import Row
from tests.fakes.provider_server import free_port

WORDS = 200
DELAY = 0.005
PROMPT = " ".join(f"w{i}" for i in range(WORDS)) + f" [[slow:{DELAY}]]"
ROOT = "00000000-0000-0000-0000-000000000000"


@contextmanager
def _process(args: list[str], env: dict[str, str], url: str) -> Iterator[None]:
    process = subprocess.Popen(
        args, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_up(url)
        yield
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


async def _direct(base: str) -> tuple[float, float]:
    async with openai.AsyncOpenAI(
        api_key="sk-bench", base_url=f"{base}/v1", max_retries=0
    ) as client:
        started, first, chunks = time.perf_counter(), 0.0, 0
        stream = await client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": PROMPT}], stream=True
        )
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                first = first or time.perf_counter() - started
                chunks += 1
        return first, chunks / (time.perf_counter() - started)


async def _through(client: httpx.AsyncClient, headers: dict[str, str]) -> tuple[float, float]:
    started, first, chunks = time.perf_counter(), 0.0, 0
    start = await client.post(
        "/api/agents/chat/openAI",
        headers=headers,
        json={"text": PROMPT, "conversationId": None, "parentMessageId": ROOT, "model": "gpt-4o"},
    )
    stream_id = start.json()["streamId"]
    async with client.stream(
        "GET", f"/api/agents/chat/stream/{stream_id}", headers=headers
    ) as response:
        async for line in response.aiter_lines():
            if line.startswith("data: ") and '"on_message_delta"' in line:
                first = first or time.perf_counter() - started
                chunks += 1
            elif line.startswith("data: ") and json.loads(line[6:]).get("final"):
                break
    return first, chunks / (time.perf_counter() - started)


async def _round(concurrency: int, work: object) -> tuple[float, float]:
    results = await asyncio.gather(*(work() for _ in range(concurrency)))  # type: ignore[operator]
    return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)


def _login(api: str) -> dict[str, str]:
    body = {
        "name": "Bench User",
        "email": "bench@example.com",
        "password": "bench password",
        "confirm_password": "bench password",
    }
    httpx.post(f"{api}/api/auth/register", json=body, timeout=30)
    token = httpx.post(f"{api}/api/auth/login", json=body, timeout=30).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def run(concurrency: list[int], rounds: int) -> list[Row]:
    provider_port, api_port = free_port(), free_port()
    provider = f"http://127.0.0.1:{provider_port}"
    api = f"http://127.0.0.1:{api_port}"
    serve_provider = [
        sys.executable,
        "-c",
        "import uvicorn; from tests.fakes.provider_server "
        "import create_provider_app as f; uvicorn.run(f(), host='127.0.0.1', "
        f"port={provider_port}, log_level='warning')",
    ]
    env = {
        "CHRONICLE_DATA_DIR": tempfile.mkdtemp(),
        "OPENAI_API_KEY": "sk-bench",
        "OPENAI_REVERSE_PROXY": f"{provider}/v1",
        "CHRONICLE_LOG_LEVEL": "WARNING",
    }
    serve_api = [
        os.path.join(os.path.dirname(sys.executable), "chronicle"),
        "serve",
        "--port",
        str(api_port),
    ]
    rows: list[Row] = []
    with _process(serve_provider, {}, provider), _process(serve_api, env, f"{api}/health"):
        headers = _login(api)
        for n in concurrency:
            rows += _compare(n, rounds, provider, api, headers)
    return rows


def _compare(n: int, rounds: int, provider: str, api: str, headers: dict[str, str]) -> list[Row]:
    ours, theirs = [], []

    async def both() -> None:
        limits = httpx.Limits(max_connections=n * 2 + 10)
        async with httpx.AsyncClient(base_url=api, timeout=120, limits=limits) as client:
            for _ in range(rounds):
                ours.append(await _round(n, lambda: _through(client, headers)))
                theirs.append(await _round(n, lambda: _direct(provider)))

    asyncio.run(both())
    ttft = (
        statistics.median(o[0] for o in ours) * 1000,
        statistics.median(t[0] for t in theirs) * 1000,
    )
    rate = (statistics.median(o[1] for o in ours), statistics.median(t[1] for t in theirs))
    return [
        Row("stream TTFT", f"{n} streams", ttft[0], ttft[1], "ms", False),
        Row("stream tokens/s", f"{n} streams", rate[0], rate[1], "chunks/s per stream"),
    ]
