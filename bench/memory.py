"""Scenario 6, memory: resident set size of the API process with 1,000 idle SSE streams open,
against a bare Litestar SSE app holding the same number of streams.

Chronicle runs embedded with an echo model that pauses for an hour after its first word, so
every generation is running (a job, its frames, a detached task) and every stream is idle."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import Row
from bench.streaming import ROOT, _login, _wait_up
from tests.fakes.provider_server import free_port


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def _hold(base: str, paths: list[str], headers: dict[str, str], pid: int) -> float:
    """Open every stream, wait for its first frame, measure RSS, then let go."""
    limits = httpx.Limits(max_connections=len(paths) + 10)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        opened = asyncio.Event()
        ready = 0

        async def one(path: str) -> None:
            nonlocal ready
            async with client.stream("GET", path, headers=headers) as response:
                async for line in response.aiter_lines():
                    if line.startswith("data: "):
                        ready += 1
                        if ready == len(paths):
                            opened.set()
                        await asyncio.sleep(3600)

        tasks = [asyncio.create_task(one(p)) for p in paths]
        await asyncio.wait_for(opened.wait(), timeout=300)
        await asyncio.sleep(1.0)
        measured = rss_mb(pid)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return measured


def _chronicle(streams: int) -> tuple[float, float]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "CHRONICLE_DATA_DIR": tempfile.mkdtemp(),
        "CHRONICLE_ECHO_DELAY": "3600",
        "CHRONICLE_LOG_LEVEL": "WARNING",
        "CHRONICLE_PORT": str(port),
    }
    chronicle = os.path.join(os.path.dirname(sys.executable), "chronicle")
    process = subprocess.Popen(
        [chronicle, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_up(f"{base}/health")
        headers = _login(base)
        idle = rss_mb(process.pid)
        ids = []
        with httpx.Client(base_url=base, timeout=60) as client:
            for _ in range(streams):
                started = client.post(
                    "/api/agents/chat/echo",
                    headers=headers,
                    json={"text": "hold on", "conversationId": None, "parentMessageId": ROOT},
                )
                ids.append(started.json()["streamId"])
        paths = [f"/api/agents/chat/stream/{i}" for i in ids]
        return idle, asyncio.run(_hold(base, paths, headers, process.pid))
    finally:
        process.terminate()
        process.wait(timeout=30)


def _baseline(streams: int) -> tuple[float, float]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.sse_baseline", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{base}/nowhere", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        idle = rss_mb(process.pid)
        return idle, asyncio.run(_hold(base, ["/stream"] * streams, {}, process.pid))
    finally:
        process.terminate()
        process.wait(timeout=30)


def run(streams: int) -> list[Row]:
    ours_idle, ours = _chronicle(streams)
    theirs_idle, theirs = _baseline(streams)
    setting = f"{streams} idle streams"
    return [
        Row("memory RSS", setting, ours, theirs, "MB", higher_is_better=False),
        Row(
            "memory per stream",
            setting,
            (ours - ours_idle) * 1024 / streams,
            (theirs - theirs_idle) * 1024 / streams,
            "KB",
            higher_is_better=False,
        ),
    ]


if __name__ == "__main__":
    for row in run(int(sys.argv[1]) if len(sys.argv) > 1 else 1000):
        print(row)
