"""What the per-request revocation check costs: GET /api/balance (a route that only
authenticates) through the whole Litestar app in-process, with the real check against
the same app whose check answers "not revoked" without asking anyone (the code before the
check existed): the difference is one Redis round trip on the event loop (distributed) or a
memory lookup (embedded). Also the check alone, in microseconds per call. All rounds run on
one event loop, as a server's would (the async Redis client belongs to one loop)."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgspec
from litestar.testing import AsyncTestClient

from api.app import create_app
from application.bootstrap import Container, bootstrap
from application.settings import Settings
from bench.common import Row, scratch_database

REDIS_URL = "redis://127.0.0.1:6379/0"
CLIENTS = 8
SECRET = "bench-revocation-secret-" + "s" * 32


class _Unchecked:
    """The check with its answer known in advance: the baseline."""

    def is_revoked(self, subject: uuid.UUID) -> bool:
        return False

    async def is_revoked_async(self, subject: uuid.UUID) -> bool:
        return False


def run(seconds: float, rounds: int) -> list[Row]:
    rows = []
    for kind in ("distributed", "embedded"):
        with _container(kind) as container:
            ours, theirs = _measure(container, seconds, rounds)
            rows.append(
                Row("revocation check", f"{kind} GET, {CLIENTS} clients", ours, theirs, "req/s")
            )
            rows.append(_per_call(container, kind))
    return rows


@contextmanager
def _container(kind: str) -> Iterator[Container]:
    with tempfile.TemporaryDirectory() as tmp, _database(kind) as url:
        raw: dict[str, Any] = {"data_dir": str(Path(tmp) / "var"), "log_json": False}
        if url:
            raw |= {
                "database_url": url,
                "redis_url": REDIS_URL,
                "redis_prefix": f"bench-{uuid.uuid4().hex[:10]}",
                "jwt_secret": SECRET,
                "jwt_refresh_secret": SECRET,
                "master_key": SECRET,
            }
        container = bootstrap(msgspec.convert(raw, Settings))
        try:
            yield container
        finally:
            if container.redis is not None:
                for key in container.redis.scan_iter(f"{raw['redis_prefix']}*"):
                    container.redis.delete(key)
            container.close()


@contextmanager
def _database(kind: str) -> Iterator[str]:
    if kind == "embedded":
        yield ""
        return
    with scratch_database() as url:
        yield url


def _measure(container: Container, seconds: float, rounds: int) -> tuple[float, float]:
    real = container.revocations
    secret = "bench password"
    user = container.identity.register(
        name="Bench", email="b@example.com", password=secret, confirm=secret
    )
    assert user.user_id is not None
    token = container.tokens.access(user.user_id, "b", "local", "b@example.com")
    headers = {"Authorization": f"Bearer {token}"}

    async def rounds_of_both() -> tuple[float, float]:
        async with AsyncTestClient(create_app(container)) as client:
            ours, theirs = [], []
            for _ in range(rounds):
                ours.append(await _load(client, headers, seconds))
                container.revocations = _Unchecked()  # type: ignore[assignment]
                theirs.append(await _load(client, headers, seconds))
                container.revocations = real
        return statistics.median(ours), statistics.median(theirs)

    return asyncio.run(rounds_of_both())


async def _load(client: Any, headers: dict[str, str], seconds: float) -> float:
    for _ in range(50):  # warm-up: the first check may refill the set
        assert (await client.get("/api/balance", headers=headers)).status_code == 204
    stop = time.monotonic() + seconds
    done = [0] * CLIENTS

    async def client_loop(index: int) -> None:
        while time.monotonic() < stop:
            response = await client.get("/api/balance", headers=headers)
            assert response.status_code == 204, response.text
            done[index] += 1

    started = time.monotonic()
    await asyncio.gather(*(client_loop(i) for i in range(CLIENTS)))
    return sum(done) / (time.monotonic() - started)


def _per_call(container: Container, kind: str, calls: int = 2000) -> Row:
    subject = uuid.uuid4()
    container.revocations.is_revoked(subject)  # refill once
    started = time.perf_counter()
    for _ in range(calls):
        container.revocations.is_revoked(subject)
    micros = (time.perf_counter() - started) / calls * 1e6
    return Row("revocation check", f"{kind} one sync call", micros, 0.0, "µs, no baseline", False)
