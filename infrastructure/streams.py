"""Stream buses: in memory (one process) and Redis Streams (any number of API processes)."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict
from typing import Any

import msgspec

from application.chat.ports import Job

FINISHED_TTL = 3600


class MemoryStreamBus:
    """One process's generations. A finished job and its frames are kept for a resuming
    client as the Redis bus keeps them (an hour), and at most `keep_finished` of them, so
    memory does not grow with the number of turns."""

    def __init__(self, retention_s: float = FINISHED_TTL, keep_finished: int = 1000) -> None:
        self._jobs: dict[str, Job] = {}
        self._frames: dict[str, list[dict[str, Any]]] = {}
        self._changed: dict[str, asyncio.Condition] = {}
        self._requests: dict[tuple[str, str], str] = {}
        self._request_keys: dict[str, set[tuple[str, str]]] = {}
        self._aborts: set[str] = set()
        self._finished: OrderedDict[str, float] = OrderedDict()  # stream id -> when, oldest first
        self._retention_s = retention_s
        self._keep_finished = keep_finished

    def retained(self) -> int:
        """How many generations (running or finished) this bus holds."""
        return len(self._jobs)

    async def create(self, job: Job) -> bool:
        existing = self._jobs.get(job.stream_id)
        if existing is not None and existing.status == "running":
            return False
        self._forget_expired()
        self._finished.pop(job.stream_id, None)
        self._jobs[job.stream_id] = job
        self._frames[job.stream_id] = []
        self._changed[job.stream_id] = asyncio.Condition()
        self._aborts.discard(job.stream_id)
        if job.client_request_id:
            key = (job.user_id, job.client_request_id)
            self._requests[key] = job.stream_id
            self._request_keys.setdefault(job.stream_id, set()).add(key)
        return True

    async def get(self, stream_id: str) -> Job | None:
        return self._jobs.get(stream_id)

    async def save(self, job: Job) -> None:
        self._jobs[job.stream_id] = job

    async def publish(self, stream_id: str, frame: dict[str, Any]) -> int:
        frames = self._frames[stream_id]
        frames.append(frame)
        await self._notify(stream_id)
        return len(frames)

    async def backlog(self, stream_id: str) -> list[dict[str, Any]]:
        return list(self._frames.get(stream_id, ()))

    async def frames(
        self, stream_id: str, after: int = 0
    ) -> AsyncIterator[tuple[int, dict[str, Any]]]:
        # This turn's own list, job and condition: a later turn of the conversation (or the
        # job being forgotten) does not change what this reader follows.
        frames, job = self._frames[stream_id], self._jobs[stream_id]
        condition, seen = self._changed[stream_id], after
        while True:
            while seen < len(frames):
                seen += 1
                yield seen, frames[seen - 1]
            if job.status != "running":
                return
            async with condition:
                await condition.wait_for(_moved_past(frames, job, seen))

    async def finish(self, job: Job, status: str) -> None:
        job.status = status
        self._jobs[job.stream_id] = job
        self._finished[job.stream_id] = time.monotonic()
        self._finished.move_to_end(job.stream_id)
        await self._notify(job.stream_id)
        self._forget_expired()

    async def request_abort(self, stream_id: str) -> None:
        self._aborts.add(stream_id)

    async def abort_requested(self, stream_id: str) -> bool:
        return stream_id in self._aborts

    async def active(self, user_id: str) -> list[str]:
        return [
            j.stream_id
            for j in self._jobs.values()
            if j.user_id == user_id and j.status == "running"
        ]

    async def by_request(self, user_id: str, client_request_id: str) -> str | None:
        return self._requests.get((user_id, client_request_id))

    async def running(self) -> list[Job]:
        return [j for j in self._jobs.values() if j.status == "running"]

    async def _notify(self, stream_id: str) -> None:
        condition = self._changed[stream_id]
        async with condition:
            condition.notify_all()

    def _forget_expired(self) -> None:
        cutoff = time.monotonic() - self._retention_s
        while self._finished:
            stream_id, finished_at = next(iter(self._finished.items()))
            if finished_at > cutoff and len(self._finished) <= self._keep_finished:
                return
            del self._finished[stream_id]
            self._forget(stream_id)

    def _forget(self, stream_id: str) -> None:
        for table in (self._jobs, self._frames, self._changed):
            table.pop(stream_id, None)
        self._aborts.discard(stream_id)
        for key in self._request_keys.pop(stream_id, set()):
            if self._requests.get(key) == stream_id:
                del self._requests[key]


def _moved_past(frames: list[dict[str, Any]], job: Job, seen: int) -> Callable[[], bool]:
    def moved() -> bool:
        return len(frames) > seen or job.status != "running"

    return moved


class RedisStreamBus:
    """Job state in a hash, frames in a Redis Stream; finished jobs expire after an hour."""

    def __init__(self, client: Any, prefix: str) -> None:
        self._redis = client  # redis.asyncio.Redis
        self._p = f"{prefix}:gen"

    async def create(self, job: Job) -> bool:
        existing = await self.get(job.stream_id)
        if existing is not None and existing.status == "running":
            return False
        pipe = self._redis.pipeline()
        pipe.delete(self._frames_key(job.stream_id), self._abort_key(job.stream_id))
        pipe.set(self._job_key(job.stream_id), _encode(job))
        pipe.sadd(f"{self._p}:running", job.stream_id)
        if job.client_request_id:
            pipe.set(
                f"{self._p}:req:{job.user_id}:{job.client_request_id}",
                job.stream_id,
                ex=FINISHED_TTL,
            )
        await pipe.execute()
        return True

    async def get(self, stream_id: str) -> Job | None:
        raw = await self._redis.get(self._job_key(stream_id))
        return msgspec.json.decode(raw, type=Job) if raw else None

    async def save(self, job: Job) -> None:
        await self._redis.set(self._job_key(job.stream_id), _encode(job))

    async def publish(self, stream_id: str, frame: dict[str, Any]) -> int:
        pipe = self._redis.pipeline(transaction=False)
        pipe.xadd(self._frames_key(stream_id), {"f": msgspec.json.encode(frame)})
        pipe.xlen(self._frames_key(stream_id))
        _, length = await pipe.execute()
        return int(length)

    async def frames(
        self, stream_id: str, after: int = 0
    ) -> AsyncIterator[tuple[int, dict[str, Any]]]:
        key, cursor, seen = self._frames_key(stream_id), "0-0", 0
        while True:
            answer = await self._redis.xread({key: cursor}, count=500, block=500)
            for _stream, entries in answer or []:
                for entry_id, fields in entries:
                    cursor, seen = entry_id, seen + 1
                    if seen > after:
                        yield seen, msgspec.json.decode(fields[b"f"])
            if not answer:
                job = await self.get(stream_id)
                done = job is None or job.status != "running"
                if done and await self._redis.xlen(key) <= seen:
                    return

    async def backlog(self, stream_id: str) -> list[dict[str, Any]]:
        entries = await self._redis.xrange(self._frames_key(stream_id))
        return [msgspec.json.decode(fields[b"f"]) for _entry_id, fields in entries]

    async def finish(self, job: Job, status: str) -> None:
        job.status = status
        pipe = self._redis.pipeline()
        pipe.set(self._job_key(job.stream_id), _encode(job), ex=FINISHED_TTL)
        pipe.expire(self._frames_key(job.stream_id), FINISHED_TTL)
        pipe.srem(f"{self._p}:running", job.stream_id)
        await pipe.execute()

    async def request_abort(self, stream_id: str) -> None:
        await self._redis.set(self._abort_key(stream_id), b"1", ex=FINISHED_TTL)

    async def abort_requested(self, stream_id: str) -> bool:
        return bool(await self._redis.exists(self._abort_key(stream_id)))

    async def active(self, user_id: str) -> list[str]:
        return [j.stream_id for j in await self.running() if j.user_id == user_id]

    async def by_request(self, user_id: str, client_request_id: str) -> str | None:
        raw = await self._redis.get(f"{self._p}:req:{user_id}:{client_request_id}")
        return raw.decode() if raw else None

    async def running(self) -> list[Job]:
        ids = await self._redis.smembers(f"{self._p}:running")
        jobs = [await self.get(i.decode()) for i in ids]
        return [j for j in jobs if j is not None and j.status == "running"]

    def _job_key(self, stream_id: str) -> str:
        return f"{self._p}:{stream_id}:job"

    def _frames_key(self, stream_id: str) -> str:
        return f"{self._p}:{stream_id}:frames"

    def _abort_key(self, stream_id: str) -> str:
        return f"{self._p}:{stream_id}:abort"


def _encode(job: Job) -> bytes:
    return msgspec.json.encode(asdict(job))


def now_ms() -> int:
    return int(time.time() * 1000)
