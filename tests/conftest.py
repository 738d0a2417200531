"""Shared fixtures: real PostgreSQL and Redis, a fresh database per test, both run modes.

Locally, tests that need a server skip when it is unreachable; with CI=true they fail."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import settings as hypothesis_settings

from application.settings import Settings

PG_ADMIN_URL = os.environ.get("CHRONICLE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("CHRONICLE_TEST_REDIS", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() == "true"

# no example database: parallel workers (pytest-xdist) would share one directory, and a run
# should not depend on what an earlier one left behind
hypothesis_settings.register_profile("chronicle", database=None)
hypothesis_settings.load_profile("chronicle")


def _unavailable(what: str, error: Exception) -> None:
    message = f"{what} is unreachable: {error}"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _admin_connect():  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)


@contextlib.contextmanager
def _database() -> Iterator[str]:
    """A brand-new PostgreSQL database, dropped afterwards."""
    name = f"chronicle_test_{uuid.uuid4().hex[:12]}"
    try:
        with _admin_connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as error:
        _unavailable("PostgreSQL", error)
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    _DROPS.append(_dropper.submit(_drop, name))


# DROP DATABASE waits for a checkpoint (1-3 s here), and nothing after a test needs its database
# gone: the drops run behind the next tests, and the session waits for them at its end
_dropper = ThreadPoolExecutor(max_workers=2, thread_name_prefix="drop-test-db")
_DROPS: list[Future[None]] = []


def _drop(name: str) -> None:
    with _admin_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pytest_sessionfinish(session: pytest.Session) -> None:
    _dropper.shutdown(wait=True)
    failed = [str(f.exception()) for f in _DROPS if f.exception() is not None]
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if failed and reporter is not None:
        reporter.write_line(f"WARNING: {len(failed)} test databases not dropped: {failed[0]}")


@contextlib.contextmanager
def _redis_keys() -> Iterator[str]:
    """A Redis key prefix of its own; its keys are deleted afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except Exception as error:
        _unavailable("Redis", error)
    prefix = f"chronicle-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    for key in client.scan_iter(f"dramatiq:{prefix}*"):
        client.delete(key)
    client.close()


class Servers:
    """One test's database and Redis prefix, made when first asked for.

    A fixture requested lazily (getfixturevalue) is torn down *before* the fixture that asked
    for it, so the database used to be dropped under still-running containers: their workers
    then waited out pool timeouts, and each distributed teardown took ~10 s. Entering them
    on a stack that the containers' fixture depends on releases them after the containers."""

    def __init__(self, stack: contextlib.ExitStack) -> None:
        self._stack = stack
        self._pg: str | None = None
        self._redis: str | None = None

    def pg_url(self) -> str:
        if self._pg is None:
            self._pg = self._stack.enter_context(_database())
        return self._pg

    def redis_prefix(self) -> str:
        if self._redis is None:
            self._redis = self._stack.enter_context(_redis_keys())
        return self._redis


@pytest.fixture
def servers() -> Iterator[Servers]:
    with contextlib.ExitStack() as stack:
        yield Servers(stack)


@pytest.fixture
def pg_url(servers: Servers) -> str:
    """A brand-new PostgreSQL database for one test, dropped afterwards."""
    return servers.pg_url()


@pytest.fixture
def redis_prefix(servers: Servers) -> str:
    """A Redis key prefix of this test's own; its keys are deleted afterwards."""
    return servers.redis_prefix()


GENEROUS_LIMITS = ("login", "register", "import_ip", "import_user", "fork_ip", "fork_user")


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    base = {
        "data_dir": str(data_dir),
        "log_json": False,
        "projection_sweep_s": 0.5,
        "worker_threads": 2,
        # the TestClient always comes from one IP: LibreChat's default limits (7 logins per
        # 5 minutes…) would refuse ordinary tests; tests/e2e/test_limits.py sets its own
        **{f"{name}_max": 100_000 for name in GENEROUS_LIMITS},
    }
    return msgspec.convert({**base, **overrides}, Settings)


@pytest.fixture(params=["sqlite", "postgres"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings_for(tmp_path: Path, servers: Servers) -> Callable[..., Settings]:
    """settings_for("sqlite" | "postgres" | "distributed", **overrides)."""

    def build(kind: str, **overrides: object) -> Settings:
        if kind == "sqlite":
            return make_settings(tmp_path / "var", **overrides)
        url = servers.pg_url()
        secrets = {
            "jwt_secret": "test-access-secret-" + "a" * 32,
            "jwt_refresh_secret": "test-refresh-secret-" + "r" * 32,
            "master_key": "test-master-key-" + "m" * 32,
        }
        if kind == "distributed":
            prefix = servers.redis_prefix()
            secrets |= {"redis_url": REDIS_URL, "redis_prefix": prefix}
        return make_settings(tmp_path / "var", database_url=url, **secrets, **overrides)

    return build


@pytest.fixture
def container_for(settings_for: Callable[..., Settings]) -> Iterator[Callable[..., object]]:
    from application.bootstrap import Container, bootstrap

    built: list[Container] = []

    def build(kind: str, workers: bool = False, **overrides: object) -> Container:
        container = bootstrap(settings_for(kind, **overrides), workers=workers)
        built.append(container)
        return container

    yield build
    for container in built:
        container.close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """A run that skipped server tests still passes locally: say so in one line at the end."""
    reasons: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else ""
        for server in ("PostgreSQL", "Redis", "RabbitMQ"):
            if f"{server} is unreachable" in reason:
                reasons[server] = reasons.get(server, 0) + 1
    if reasons:
        counts = ", ".join(f"{n} for {server} (unreachable)" for server, n in reasons.items())
        terminalreporter.write_line(
            f"WARNING: {sum(reasons.values())} tests skipped: {counts}; CI=true makes them fail",
            yellow=True,
            bold=True,
        )
