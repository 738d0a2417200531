"""The composition root: the one place that picks implementations for the chosen mode."""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse
from uuid import UUID

from application.chat.config import load_endpoints
from application.chat.service import ChatService
from application.chat.titles import Titles
from application.conversations.bulk import Bulk
from application.conversations.conversations import Conversations
from application.conversations.copies import Copies
from application.conversations.messages import Messages
from application.conversations.tags import Tags
from application.identity.abuse import AbusePolicy
from application.identity.bans import BanRecorder, BanRevoker
from application.identity.revocation import Revocations
from application.identity.service import IdentityPolicy, IdentityService
from application.settings import Settings, load_settings
from application.shared.store import CONTEXTS, EventStore, Position
from domain.conversations.conversation import Conversation
from domain.shared.aggregate import Aggregate

log = logging.getLogger(__name__)

# Long-lived aggregates load from their latest snapshot plus the events after it.
SNAPSHOT_EVERY: dict[str, dict[type[Aggregate], int]] = {"conversations": {Conversation: 100}}
# contexts whose aggregates are kept in memory (CHRONICLE_AGGREGATE_CACHE of them per store):
# the ones loaded on every chat turn and message post
CACHED_CONTEXTS = ("conversations",)


@dataclass
class Container:
    """Everything a process needs, built once by `bootstrap()`; `close()` releases it all."""

    settings: Settings
    stores: dict[str, EventStore]
    db: Any  # sqlalchemy.Engine of the read models
    # the same pool in autocommit: a query that reads runs without BEGIN, and handing its
    # connection back needs no ROLLBACK round trip
    reads: Any
    keystore: Any
    projections: Any  # projections.engine.engine.ProjectionEngine
    consistency: Any  # projections.engine.consistency.ReadYourWrites
    identity: IdentityService
    revocations: Revocations
    conversations: Conversations
    messages: Messages
    tags: Tags
    bulk: Bulk
    copies: Copies
    chat: ChatService
    tokens: Any  # infrastructure.tokens.JwtTokens
    broker: Any  # dramatiq.Broker
    poker: Any  # workers.projections.Poker
    abuse: AbusePolicy  # rate limits and bans (LibreChat's)
    redis: Any | None = None
    commit_listeners: list[Callable[[Position, UUID | None], None]] = field(default_factory=list)
    _running: list[Any] = field(default_factory=list)

    def start_workers(self, threads: int | None = None, idle_wake_ms: int = 100) -> None:
        """The Dramatiq consumers and the sweep, then a poke for every projection: in-process
        (embedded mode, tests) or as the worker process (`workers.main`)."""
        import dramatiq

        from workers.projections import Sweeper

        worker = dramatiq.Worker(
            self.broker,
            worker_threads=threads or self.settings.worker_threads,
            worker_timeout=idle_wake_ms,
        )
        worker.start()
        sweeper = Sweeper(self.poker, self.settings.projection_sweep_s)
        sweeper.start()
        self._running += [worker, sweeper]
        self.poker.poke_all()

    def stop_workers(self, timeout_ms: int = 10_000) -> None:
        """Stop the sweep, then let in-flight catch-ups finish (bounded)."""
        import dramatiq

        while self._running:
            running = self._running.pop()
            if isinstance(running, dramatiq.Worker):
                running.stop(timeout=timeout_ms)
            else:
                running.stop()

    def close(self) -> None:
        self.stop_workers()
        for store in self.stores.values():
            store.close()
        self.db.dispose()
        self.keystore.dispose()
        if self.redis is not None:
            self.redis.close()

    def ready(self) -> dict[str, bool]:
        checks = {"database": _ping_sql(self.db)}
        if self.redis is not None:
            checks["redis"] = _ping_redis(self.redis)
        return checks


def bootstrap(
    settings: Settings | None = None,
    *,
    workers: bool = False,
    environ: dict[str, str] | None = None,
) -> Container:
    """Build the container. Nothing connects at import time; everything connects here."""
    from api.chat.frames import LibreChatFrames
    from infrastructure.database import create_engine, schema_lock
    from infrastructure.eventstore.mapper import PersonalDataMapper
    from infrastructure.masterkey import MasterKey
    from infrastructure.passwords import Argon2Hasher
    from infrastructure.providers.catalog import build_catalog
    from infrastructure.tokens import JwtTokens
    from projections.conversations.index import ProjectedConversationIndex
    from projections.engine.consistency import ReadYourWrites
    from projections.engine.engine import ProjectionEngine
    from projections.registry import all_projections
    from workers.titles import register_titles

    settings = settings or load_settings(environ)
    secrets_ = _secrets(settings)
    urls = _database_urls(settings)
    keys_engine = create_engine(urls["keys"], pool_size=2, max_overflow=4)
    master = MasterKey.parse(secrets_["master_key"])
    keystore = _KeyStore(keys_engine, master)
    keystore.create_tables()
    mapper = PersonalDataMapper(keystore)
    listeners: list[Callable[[Position, UUID | None], None]] = []

    def on_commit(position: Position, actor: UUID | None) -> None:
        for listener in listeners:
            listener(position, actor)

    with schema_lock(keys_engine):  # processes starting together create tables one at a time
        stores = {
            name: EventStore(
                name,
                _store_env(settings, name, urls),
                mapper,
                on_commit,
                snapshot_every=SNAPSHOT_EVERY.get(name),
                cache_size=settings.aggregate_cache_size if name in CACHED_CONTEXTS else 0,
            )
            for name in CONTEXTS
        }
    caches = [store.cache for store in stores.values() if store.cache is not None]
    keystore.on_destroy.extend(lambda _subject, c=cache: c.clear() for cache in caches)
    db = create_engine(
        urls["read_models"], settings.postgres_pool_size * 2, settings.postgres_max_overflow
    )
    reads = db.execution_options(isolation_level="AUTOCOMMIT")
    engine = ProjectionEngine(db, stores, all_projections())
    engine.prepare()
    redis_client, broker, pending, watermarks, revoked = _coordination(settings)
    from workers.projections import Poker, register_catch_up

    poker = Poker(register_catch_up(broker, engine, pending), pending, engine)
    tokens = JwtTokens(
        secrets_["jwt_secret"],
        secrets_["jwt_refresh_secret"],
        timedelta(milliseconds=settings.session_expiry_ms),
    )
    revocations = Revocations(revoked, keystore, timedelta(milliseconds=settings.session_expiry_ms))
    identity = IdentityService(
        stores["identity"],
        Argon2Hasher(),
        tokens,
        keystore,
        IdentityPolicy(
            min_password_length=settings.min_password_length,
            refresh_lifetime=timedelta(milliseconds=settings.refresh_token_expiry_ms),
            refresh_reuse_grace=timedelta(seconds=settings.refresh_reuse_grace_s),
            email_claim_key=master.email_claim,
            legacy_email_claim_key=master.legacy,
        ),
        revocations,
    )

    def mark_writer(position: Position, actor: UUID | None) -> None:
        if actor is not None:
            watermarks.mark(actor, position)

    listeners += [mark_writer, poker.committed]
    consistency = ReadYourWrites(engine, watermarks, settings.read_your_writes_timeout_s)
    conversations = Conversations(
        stores["conversations"], ProjectedConversationIndex(reads, consistency)
    )
    messages = Messages(conversations)
    catalog = build_catalog(load_endpoints(environ), settings.echo_delay_s)
    titler = Titles(conversations, catalog)  # the title actor's: registered before the chat
    chat = ChatService(
        conversations,
        messages,
        catalog,
        _stream_bus(settings),
        LibreChatFrames(),
        node=f"{socket.gethostname()}-{os.getpid()}",
        titles=register_titles(broker, titler).send,
        titler=titler,
    )
    container = Container(
        settings=settings,
        stores=stores,
        db=db,
        reads=reads,
        keystore=keystore,
        projections=engine,
        consistency=consistency,
        identity=identity,
        revocations=revocations,
        conversations=conversations,
        messages=messages,
        tags=Tags(conversations),
        bulk=Bulk(conversations),
        copies=Copies(conversations),
        chat=chat,
        tokens=tokens,
        broker=broker,
        poker=poker,
        abuse=_abuse(settings, redis_client, stores["identity"], identity),
        redis=redis_client,
        commit_listeners=listeners,
    )
    if workers:
        container.start_workers()
    return container


class _KeyStore:
    """The SQL key store plus ownership of its engine."""

    def __init__(self, engine: Any, master: Any) -> None:
        from infrastructure.eventstore.keystore import SqlKeyStore

        self._engine = engine
        self._store = SqlKeyStore(engine, master.subject_key_wrap, master.legacy)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def dispose(self) -> None:
        self._engine.dispose()


def _coordination(settings: Settings) -> tuple[Any, Any, Any, Any, Any]:
    """Broker, poke coalescing, read-your-writes marks and revoked subjects: Redis if
    configured, else memory."""
    from dramatiq.brokers.stub import StubBroker

    from infrastructure.revocations import MemoryRevokedSubjects, RedisRevokedSubjects
    from projections.engine.consistency import MemoryWatermarks
    from workers.projections import MemoryPendingPokes

    broker_url = settings.broker_url or settings.redis_url
    if not settings.redis_url:
        broker = _broker(broker_url, settings.redis_prefix) if broker_url else StubBroker()
        return None, broker, MemoryPendingPokes(), MemoryWatermarks(), MemoryRevokedSubjects()
    import redis

    from infrastructure.redis_state import RedisPendingPokes, RedisWatermarks

    client = redis.Redis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=5)
    prefix = settings.redis_prefix
    return (
        client,
        _broker(broker_url, prefix),
        RedisPendingPokes(client, prefix),
        RedisWatermarks(client, prefix),
        RedisRevokedSubjects(client, prefix, _async_redis(settings)),
    )


def _async_redis(settings: Settings) -> Any:
    import redis.asyncio

    return redis.asyncio.Redis.from_url(
        settings.redis_url, socket_timeout=5, socket_connect_timeout=5
    )


def _abuse(
    settings: Settings, redis_client: Any, identity_store: EventStore, identity: IdentityService
) -> AbusePolicy:
    """Limits and bans: shared through Redis when there is one, else this process's memory."""
    from infrastructure.limits import MemoryAbuseStore, RedisAbuseStore

    store = (
        RedisAbuseStore(redis_client, settings.redis_prefix)
        if redis_client is not None
        else MemoryAbuseStore()
    )
    policy = AbusePolicy(store, settings)
    policy.ban_listeners += [BanRecorder(identity_store), BanRevoker(identity.revoke_subject)]
    return policy


def _stream_bus(settings: Settings) -> Any:
    """Generation frames: Redis Streams when Redis is configured (any API process can serve a
    resuming client), else memory."""
    from infrastructure.streams import MemoryStreamBus, RedisStreamBus

    if not settings.redis_url:
        return MemoryStreamBus()
    import redis.asyncio
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    # Timeouts so a Redis that hangs fails a bus call instead of stalling the generation
    # (which goes on and records its answer); above the 0.5 s blocking read of `frames`.
    # One retry on a fresh connection: after a Redis restart the pooled ones are dead, and a
    # chat start must not fail on them after recording its user message.
    client = redis.asyncio.Redis.from_url(
        settings.redis_url,
        socket_timeout=5,
        socket_connect_timeout=5,
        retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
    )
    return RedisStreamBus(client, settings.redis_prefix)


def _broker(url: str, prefix: str) -> Any:
    """Queues are namespaced by the Redis prefix so several deployments (or test runs)
    can share one Redis without consuming each other's messages."""
    if url.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        return RabbitmqBroker(url=url)
    from dramatiq.brokers.redis import RedisBroker

    return RedisBroker(url=url, namespace=f"{prefix}-dramatiq")  # type: ignore[no-untyped-call]


def _database_urls(settings: Settings) -> dict[str, str]:
    from infrastructure.database import sqlite_url

    if settings.database_url:
        return {
            "read_models": settings.database_url,
            "keys": settings.database_url,
            "events": settings.database_url,
        }
    root = Path(settings.data_dir)
    return {
        "read_models": sqlite_url(root / "readmodels.db"),
        "keys": sqlite_url(root / "keys.db"),
        "events": str(root / "events"),
    }


def _store_env(settings: Settings, name: str, urls: dict[str, str]) -> dict[str, str]:
    from eventsourcing.utils import get_topic

    from infrastructure.eventstore.group_commit import GroupCommitPostgresRecorder
    from infrastructure.eventstore.recorders import ChainedSQLiteRecorder

    common = {"IS_SNAPSHOTTING_ENABLED": "y", "CREATE_TABLE": "y"}
    if not settings.database_url:
        folder = Path(urls["events"])
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


def _secrets(settings: Settings) -> dict[str, str]:
    """Distributed mode takes secrets from settings; embedded mode makes them once in var/."""
    if settings.jwt_secret and settings.jwt_refresh_secret and settings.master_key:
        return {
            "jwt_secret": settings.jwt_secret,
            "jwt_refresh_secret": settings.jwt_refresh_secret,
            "master_key": settings.master_key,
        }
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
    return {
        "jwt_secret": settings.jwt_secret or stored["jwt_secret"],
        "jwt_refresh_secret": settings.jwt_refresh_secret or stored["jwt_refresh_secret"],
        "master_key": settings.master_key or stored["master_key"],
    }


def _ping_sql(engine: Any) -> bool:
    import sqlalchemy as sa

    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return True
    except Exception:
        return False


def _ping_redis(client: Any) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False
