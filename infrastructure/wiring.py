"""How infrastructure is built from settings: database URLs, an event store's eventsourcing
environment, Redis clients, the broker, the embedded mode's secrets. `application/bootstrap.py`
chooses among these; the details of each construction live here."""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import dramatiq
import redis
import redis.asyncio
import sqlalchemy as sa
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from eventsourcing.utils import get_topic
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from application.settings import Settings
from infrastructure.database import sqlite_url
from infrastructure.eventstore.group_commit import GroupCommitPostgresRecorder
from infrastructure.eventstore.recorders import ChainedSQLiteRecorder


@dataclass(frozen=True)
class DatabaseUrls:
    read_models: str
    keys: str
    events: str  # the PostgreSQL URL, or the folder of the embedded mode's SQLite stores


@dataclass(frozen=True)
class Secrets:
    jwt_secret: str
    jwt_refresh_secret: str
    master_key: str


def database_urls(settings: Settings) -> DatabaseUrls:
    if settings.database_url:
        return DatabaseUrls(settings.database_url, settings.database_url, settings.database_url)
    root = Path(settings.data_dir)
    return DatabaseUrls(
        sqlite_url(root / "readmodels.db"), sqlite_url(root / "keys.db"), str(root / "events")
    )


def store_env(settings: Settings, name: str, urls: DatabaseUrls) -> dict[str, str]:
    """The eventsourcing environment of the `name` context's store."""
    common = {"IS_SNAPSHOTTING_ENABLED": "y", "CREATE_TABLE": "y"}
    if not settings.database_url:
        folder = Path(urls.events)
        folder.mkdir(parents=True, exist_ok=True)
        return {
            **common,
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(folder / f"{name}.db"),
            "SQLITE_LOCK_TIMEOUT": "30",
            "APPLICATION_RECORDER_TOPIC": get_topic(ChainedSQLiteRecorder),
        }
    url = urlparse(settings.database_url)
    return {
        **common,
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": url.path.lstrip("/") or "postgres",
        "POSTGRES_HOST": url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_POOL_SIZE": str(settings.postgres_pool_size),
        "POSTGRES_MAX_OVERFLOW": str(settings.postgres_max_overflow),
        "POSTGRES_LOCK_TIMEOUT": "10",
        "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "30",
        "APPLICATION_RECORDER_TOPIC": get_topic(GroupCommitPostgresRecorder),
    }


def redis_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


def async_redis_client(url: str) -> redis.asyncio.Redis:
    return redis.asyncio.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


def stream_redis_client(url: str) -> redis.asyncio.Redis:
    """For generation frames: timeouts so a Redis that hangs fails a bus call instead of
    stalling the generation (which goes on and records its answer); above the 0.5 s blocking
    read of `frames`. One retry on a fresh connection: after a Redis restart the pooled ones
    are dead, and a chat start must not fail on them after recording its user message."""
    return redis.asyncio.Redis.from_url(
        url,
        socket_timeout=5,
        socket_connect_timeout=5,
        retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
    )


def broker(url: str, prefix: str) -> dramatiq.Broker:
    """Queues are namespaced by the Redis prefix so several deployments (or test runs)
    can share one Redis without consuming each other's messages."""
    if url.startswith(("amqp://", "amqps://")):
        return RabbitmqBroker(url=url)
    return RedisBroker(url=url, namespace=f"{prefix}-dramatiq")  # type: ignore[no-untyped-call]


def load_secrets(settings: Settings) -> Secrets:
    """Distributed mode takes secrets from settings; embedded mode makes them once in var/."""
    if settings.jwt_secret and settings.jwt_refresh_secret and settings.master_key:
        return Secrets(settings.jwt_secret, settings.jwt_refresh_secret, settings.master_key)
    path = Path(settings.data_dir) / "secrets.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text())
    else:
        stored = {
            "jwt_secret": secrets.token_hex(32),
            "jwt_refresh_secret": secrets.token_hex(32),
            "master_key": base64.b64encode(os.urandom(32)).decode(),
        }
        path.write_text(json.dumps(stored))
        path.chmod(0o600)
    return Secrets(
        settings.jwt_secret or stored["jwt_secret"],
        settings.jwt_refresh_secret or stored["jwt_refresh_secret"],
        settings.master_key or stored["master_key"],
    )


def ping_sql(engine: sa.Engine) -> bool:
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return True
    except Exception:
        return False


def ping_redis(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False
