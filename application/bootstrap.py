"""The composition root: the one place that picks implementations for the chosen mode.

`bootstrap()` is a list of steps, one small function per context; how each piece of
infrastructure is built from the settings lives in `infrastructure/wiring.py`."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from uuid import UUID

import dramatiq
import redis
import sqlalchemy as sa
from dramatiq.brokers.stub import StubBroker

from api.chat.frames import LibreChatFrames
from application.admin.audit import AuditLog
from application.admin.logins import LoginHistory
from application.agents.builtin import BuiltinTools
from application.agents.chat import AgentChats
from application.agents.service import AGENT, AgentCatalog, Agents
from application.agents.tools import ToolRegistry
from application.billing.charges import Charges
from application.billing.service import Billing
from application.chat.charging import TurnBilling
from application.chat.ports import StreamBus
from application.chat.service import ChatService
from application.chat.titles import Titles
from application.conversations.bulk import Bulk
from application.conversations.conversations import Conversations
from application.conversations.copies import Copies
from application.conversations.messages import Messages
from application.conversations.presets import Presets
from application.conversations.projects import Projects
from application.conversations.retention import Retention
from application.conversations.tags import Tags
from application.files.attachments import ChatAttachments
from application.files.config import load_file_limits
from application.files.ports import FileStorage
from application.files.service import Files
from application.identity.abuse import AbusePolicy
from application.identity.account_settings import UserSettings
from application.identity.bans import BanRecorder, BanRevoker
from application.identity.ports import SessionTokens
from application.identity.revocation import Revocations, RevokedSubjects
from application.identity.roles import Roles
from application.identity.service import IdentityPolicy, IdentityService
from application.keys.service import UserKeys
from application.mcp.agent_tools import McpToolSource
from application.mcp.config import configured_servers
from application.mcp.domains import DomainPolicy
from application.mcp.service import McpServers
from application.mcp.toolbox import McpToolbox
from application.memories.service import Memories
from application.permissions.audit import AccessAudit
from application.permissions.capabilities import Capabilities
from application.permissions.groups import Groups
from application.permissions.service import Permissions
from application.plugins.host import Plugins
from application.plugins.loader import PluginHealth, discover, load
from application.plugins.plugin import Plugin
from application.search.ports import ExternalIndex, OwnDocuments, SearchIndex
from application.search.service import Search
from application.settings import Settings, load_settings, search_backend
from application.shared.ports import Consistency, KeyStore
from application.shared.store import CONTEXTS, AggregateCache, CommitHook, EventStore, Position
from application.sharing.access import AclAccess
from application.sharing.ports import LinkAccess, ViewCounts
from application.sharing.service import SharedLinks
from domain.billing.ledger import LedgerAccount
from domain.billing.prices import load_price_table
from domain.conversations.conversation import Conversation
from domain.identity.roles import permissions
from domain.memories.rules import Limits
from domain.shared.aggregate import Aggregate
from domain.shared.errors import DomainError
from infrastructure import wiring
from infrastructure.database import create_engine, schema_lock
from infrastructure.eventstore.keystore import SqlKeyStore
from infrastructure.eventstore.mapper import PersonalDataMapper
from infrastructure.eventstore.trail import StoreTrail
from infrastructure.limits import MemoryAbuseStore, RedisAbuseStore
from infrastructure.masterkey import MasterKey
from infrastructure.mcp.connections import McpConnections
from infrastructure.passwords import Argon2Hasher
from infrastructure.redis_state import RedisPendingPokes, RedisWatermarks
from infrastructure.revocations import MemoryRevokedSubjects, RedisRevokedSubjects
from infrastructure.streams import MemoryStreamBus, RedisStreamBus
from infrastructure.tokens import JwtTokens
from projections.conversations.index import ProjectedConversationIndex
from projections.engine.consistency import MemoryWatermarks, ReadYourWrites, Watermarks
from projections.engine.engine import ProjectionEngine
from projections.engine.guarded import GuardedProjection
from projections.engine.projection import Projection
from projections.files.index import ProjectedFiles
from projections.identity.directory import ProjectedDirectory
from projections.keys.user_keys import ProjectedKeyExpiries
from projections.mcp.queries import ProjectedMcpServers
from projections.permissions.access import ProjectedAccess
from projections.permissions.admin_lists import ProjectedAdminLists
from projections.registry import all_projections
from projections.search.documents import SearchProjection
from projections.sharing.index import ProjectedLinkIndex
from projections.sharing.view_counts import SqlViewCounts
from workers.chat import register_titles
from workers.conversations import RetentionSweeper
from workers.periodic import Periodic
from workers.projections import MemoryPendingPokes, PendingPokes, Poker, Sweeper, register_catch_up

log = logging.getLogger("chronicle.config")

# Long-lived aggregates load from their latest snapshot plus the events after it. A ledger
# account's snapshot carries up to LedgerAccount.REMEMBERED transfers (~0.5 MB): taken rarer.
SNAPSHOT_EVERY: dict[str, dict[type[Aggregate], int]] = {
    "conversations": {Conversation: 100},
    "billing": {LedgerAccount: 500},
}
# contexts whose aggregates are kept in memory (CHRONICLE_AGGREGATE_CACHE of them per store):
# the ones loaded on every chat turn and message post (billing: the user's ledger account, held
# and settled on every turn while balance is enabled)
CACHED_CONTEXTS = ("conversations", "billing")


@dataclass
class Container:
    """Everything a process needs, built once by `bootstrap()`; `close()` releases it all."""

    settings: Settings
    stores: dict[str, EventStore]
    db: sa.Engine  # the read models
    # the same pool in autocommit: a query that reads runs without BEGIN, and handing its
    # connection back needs no ROLLBACK round trip
    reads: sa.Engine
    keys_db: sa.Engine  # the key store's own database (embedded: keys.db)
    keystore: KeyStore
    projections: ProjectionEngine
    consistency: Consistency
    identity: IdentityService
    user_settings: UserSettings
    revocations: Revocations
    conversations: Conversations
    messages: Messages
    tags: Tags
    presets: Presets
    projects: Projects
    bulk: Bulk
    copies: Copies
    retention: Retention  # removes temporary chats past their retention
    chat: ChatService
    billing: Billing
    memories: Memories
    keys: UserKeys  # user-provided provider keys (`/api/keys`)
    shared_links: SharedLinks
    links: ProjectedLinkIndex  # the shared links a viewer opens by shareId
    link_access: LinkAccess
    view_counts: ViewCounts
    permissions: Permissions  # ACLs and the access checks every context calls
    agents: Agents  # agents and their versions, under the `agent` ACLs
    tools: ToolRegistry  # the tools an agent may name (built-ins, then MCP servers')
    capabilities: Capabilities  # system capabilities (ADMIN holds all)
    groups: Groups
    access_audit: AccessAudit  # who could access a resource at a time T
    tokens: SessionTokens
    broker: dramatiq.Broker
    poker: Poker
    abuse: AbusePolicy  # rate limits and bans (LibreChat's)
    search: Search
    search_feed: ExternalIndex | None  # Meilisearch's feeder; None for the SQL backends
    roles: Roles  # role documents and membership (the admin surface)
    directory: ProjectedDirectory  # users and roles as the admin routes list them
    audit_log: AuditLog  # LibreChat's admin audit log, read from the events and their chains
    logins: LoginHistory  # a user's sign-ins for auditors, from the identity events
    admin_lists: ProjectedAdminLists  # groups and grants as the admin routes list them
    mcp: McpServers  # librechat.yaml's and user-added MCP servers (ACL resources mcpServer)
    mcp_connections: McpConnections  # live MCP sessions and their cached tool lists
    mcp_tools: McpToolbox  # MCP tools behind the agents' tool port
    files: Files  # uploads, their bytes in the storage strategy, their metadata
    redis: redis.Redis | None = None
    commit_listeners: list[CommitHook] = field(default_factory=list)
    plugins: Plugins = field(default_factory=Plugins)  # custom/ (application/plugins/)
    _running: list[dramatiq.Worker | Periodic] = field(default_factory=list)

    def start_workers(self, threads: int | None = None, idle_wake_ms: int = 100) -> None:
        """The Dramatiq consumers and the sweep, then a poke for every projection: in-process
        (embedded mode, tests) or as the worker process (`workers.main`)."""
        worker = dramatiq.Worker(
            self.broker,
            worker_threads=threads or self.settings.worker_threads,
            worker_timeout=idle_wake_ms,
        )
        worker.start()
        sweeper = Sweeper(self.poker, self.settings.projection_sweep_s)
        sweeper.start()
        retention = RetentionSweeper(self.retention, self.settings.retention_sweep_s)
        retention.start()
        self._running += [worker, sweeper, retention]
        self.poker.poke_all()

    def stop_workers(self, timeout_ms: int = 10_000) -> None:
        """Stop the sweep, then let in-flight catch-ups finish (bounded)."""
        while self._running:
            running = self._running.pop()
            if isinstance(running, dramatiq.Worker):
                running.stop(timeout=timeout_ms)
            else:
                running.stop()

    def close(self) -> None:
        self.stop_workers()
        self.mcp_connections.shutdown()
        for store in self.stores.values():
            store.close()
        self.db.dispose()
        self.keys_db.dispose()
        if self.redis is not None:
            self.redis.close()

    def ready(self) -> dict[str, bool]:
        checks = {"database": wiring.ping_sql(self.db)}
        if self.redis is not None:
            checks["redis"] = wiring.ping_redis(self.redis)
        return checks

    def plugin_report(self) -> dict[str, dict[str, object]]:
        """Each plugin's status and failures: /readyz details (a failing plugin is reported,
        never made the API's unreadiness)."""
        return dict(self.plugins.health.report())


@dataclass(frozen=True)
class Coordination:
    """What the processes of a deployment share: in Redis when configured, else in this
    process's memory (the embedded mode)."""

    redis: redis.Redis | None
    broker: dramatiq.Broker
    pending: PendingPokes  # poke coalescing
    watermarks: Watermarks  # read-your-writes marks
    revoked: RevokedSubjects


@dataclass(frozen=True)
class ReadSide:
    db: sa.Engine
    reads: sa.Engine
    engine: ProjectionEngine
    consistency: ReadYourWrites
    poker: Poker


def bootstrap(
    settings: Settings | None = None,
    *,
    workers: bool = False,
    environ: dict[str, str] | None = None,
    plugins: list[Plugin] | None = None,
) -> Container:
    """Build the container. Nothing connects at import time; everything connects here.
    `plugins`: instead of those found in custom/features/ (tests)."""
    settings = settings or load_settings(environ)
    extensions = _plugins(settings, plugins)
    for notice in settings.librechat.notices:  # once per process, at its start
        log.info("librechat.yaml: %s", notice)
    secrets = wiring.load_secrets(settings)
    urls = wiring.database_urls(settings)
    master = MasterKey.parse(secrets.master_key)
    keys_db = create_engine(urls.keys, pool_size=2, max_overflow=4)
    keystore = SqlKeyStore(keys_db, master.subject_key_wrap, master.legacy)
    keystore.create_tables()
    listeners: list[CommitHook] = []
    stores = _stores(settings, urls, keys_db, keystore, listeners)
    shared = _coordination(settings)
    search_projection = SearchProjection(
        settings.search_language, outbox=search_backend(settings) == "meilisearch"
    )
    read_side = _read_side(
        settings, urls, stores, shared, search_projection, _plugin_projections(extensions)
    )
    listeners += [_mark_writer(shared.watermarks), read_side.poker.committed]
    identity = _identity(settings, stores["identity"], secrets, keystore, master, shared.revoked)
    conversations = Conversations(
        stores["conversations"],
        ProjectedConversationIndex(read_side.reads, read_side.consistency),
        settings.temporary_chat_retention,
    )
    messages = Messages(conversations)
    searching = _search(settings, read_side, search_projection)
    keys = UserKeys(
        stores["identity"], ProjectedKeyExpiries(read_side.reads, read_side.consistency)
    )
    directory = ProjectedDirectory(read_side.reads, read_side.consistency)
    roles = Roles(stores["identity"], directory)
    memories = _memories(settings, stores["memories"], _memory_use(roles, identity.service))
    running: list[dramatiq.Worker | Periodic] = []  # in-process workers
    sharing = _sharing(stores["sharing"], read_side, identity.service, lambda: bool(running))
    links = ProjectedLinkIndex(read_side.reads, read_side.consistency)
    link_access = AclAccess(sharing.permissions)
    mcp = _mcp(settings, stores["agents"], read_side, sharing.permissions)
    mcp_connections = McpConnections()
    agents = _agents(stores["agents"], sharing.permissions)
    mcp_tools = McpToolbox(mcp, mcp_connections)
    tools = ToolRegistry([BuiltinTools(), McpToolSource(mcp_tools)])
    files = _files(settings, stores["files"], read_side, keystore)
    chat = _chat(
        settings,
        conversations,
        messages,
        shared.broker,
        keys,
        stores["billing"],
        memories,
        AgentChats(agents, tools),
        files,
    )
    container = Container(
        settings=settings,
        stores=stores,
        db=read_side.db,
        reads=read_side.reads,
        keys_db=keys_db,
        keystore=keystore,
        projections=read_side.engine,
        consistency=read_side.consistency,
        identity=identity.service,
        user_settings=UserSettings(stores["identity"]),
        revocations=identity.revocations,
        conversations=conversations,
        messages=messages,
        tags=Tags(conversations),
        presets=Presets(stores["conversations"]),
        projects=Projects(conversations),
        bulk=Bulk(conversations),
        copies=Copies(conversations),
        retention=Retention(conversations),
        chat=chat,
        billing=Billing(stores["billing"], settings.balance),
        memories=memories,
        keys=keys,
        shared_links=SharedLinks(stores["sharing"], conversations, links, link_access),
        links=links,
        link_access=link_access,
        view_counts=_view_counts(read_side.db, keys_db),
        permissions=sharing.permissions,
        agents=agents,
        tools=tools,
        capabilities=sharing.capabilities,
        groups=sharing.groups,
        access_audit=AccessAudit(stores["sharing"]),
        tokens=identity.tokens,
        broker=shared.broker,
        poker=read_side.poker,
        abuse=_abuse(settings, shared.redis, stores["identity"], identity.service),
        search=searching.search,
        search_feed=searching.feed,
        roles=roles,
        directory=directory,
        audit_log=AuditLog(StoreTrail(stores), directory.names),
        logins=LoginHistory(StoreTrail(stores)),
        admin_lists=ProjectedAdminLists(read_side.reads, read_side.consistency),
        mcp=mcp,
        mcp_connections=mcp_connections,
        mcp_tools=mcp_tools,
        files=files,
        redis=shared.redis,
        commit_listeners=listeners,
        plugins=extensions,
        _running=running,
    )
    extensions.start(container)
    if workers:
        container.start_workers()
    return container


def _mcp(
    settings: Settings, store: EventStore, read_side: ReadSide, permissions: Permissions
) -> McpServers:
    configured = configured_servers(settings.librechat.section("mcpServers"))
    index = ProjectedMcpServers(read_side.reads, read_side.consistency)
    permissions.register_catalog("mcpServer", index)
    policy = DomainPolicy.from_settings(settings.librechat.section("mcpSettings"))
    return McpServers(store, index, permissions, lambda: configured, policy)


def _files(settings: Settings, store: EventStore, read_side: ReadSide, keys: KeyStore) -> Files:
    from infrastructure.files.documents import TextDocuments
    from infrastructure.files.images import PillowImages

    return Files(
        store,
        _file_storage(settings, keys),
        ProjectedFiles(read_side.reads, read_side.consistency),
        load_file_limits(settings.librechat.section("fileConfig")),
        PillowImages(),
        TextDocuments(),
    )


def _file_storage(settings: Settings, keys: KeyStore) -> FileStorage:
    """CHRONICLE_FILE_STRATEGY, else librechat.yaml's `fileStrategy`, else local disk."""
    from infrastructure.files import storage

    strategy = settings.file_strategy or settings.librechat.section("fileStrategy") or "local"
    sealer = storage.Sealer(keys)
    if strategy == "s3":
        client = storage.s3_client(
            settings.aws_endpoint_url,
            settings.aws_region,
            settings.aws_access_key_id,
            settings.aws_secret_access_key,
        )
        return storage.S3Storage(client, settings.aws_bucket_name, sealer)
    if strategy != "local":
        raise ValueError(f"fileStrategy: {strategy!r} is not served (local or s3)")
    return storage.LocalStorage(os.path.join(settings.data_dir, "files"), sealer)


def _view_counts(db: sa.Engine, keys_db: sa.Engine) -> SqlViewCounts:
    counts = SqlViewCounts(db)
    with schema_lock(keys_db):  # processes starting together create tables one at a time
        counts.create_table()
    return counts


def _stores(
    settings: Settings,
    urls: wiring.DatabaseUrls,
    keys_db: sa.Engine,
    keystore: KeyStore,
    listeners: list[CommitHook],
) -> dict[str, EventStore]:
    """One event store per context; each commit is told to `listeners` (filled later: the
    poker that listens needs the stores first)."""
    mapper = PersonalDataMapper(keystore)

    def on_commit(position: Position, actor: UUID | None) -> None:
        for listener in listeners:
            listener(position, actor)

    with schema_lock(keys_db):  # processes starting together create tables one at a time
        stores = {
            name: EventStore(
                name,
                wiring.store_env(settings, name, urls),
                mapper,
                on_commit,
                snapshot_every=SNAPSHOT_EVERY.get(name),
                cache_size=settings.aggregate_cache_size if name in CACHED_CONTEXTS else 0,
            )
            for name in CONTEXTS
        }
    # a destroyed key makes its subject's cached aggregates unreadable too
    for store in stores.values():
        if store.cache is not None:
            keystore.on_destroy.append(_clearer(store.cache))
    return stores


def _clearer(cache: AggregateCache) -> Callable[[UUID], None]:
    return lambda _subject: cache.clear()


def _coordination(settings: Settings) -> Coordination:
    broker_url = settings.broker_url or settings.redis_url
    if not settings.redis_url:
        return Coordination(
            None,
            wiring.broker(broker_url, settings.redis_prefix) if broker_url else StubBroker(),
            MemoryPendingPokes(),
            MemoryWatermarks(),
            MemoryRevokedSubjects(),
        )
    client = wiring.redis_client(settings.redis_url)
    prefix = settings.redis_prefix
    return Coordination(
        client,
        wiring.broker(broker_url, prefix),
        RedisPendingPokes(client, prefix),
        RedisWatermarks(client, prefix),
        RedisRevokedSubjects(client, prefix, wiring.async_redis_client(settings.redis_url)),
    )


def _read_side(
    settings: Settings,
    urls: wiring.DatabaseUrls,
    stores: dict[str, EventStore],
    shared: Coordination,
    search: SearchProjection,
    extra: list[Projection],
) -> ReadSide:
    """The read models' database, the projection engine over it, and what keeps it current."""
    db = create_engine(
        urls.read_models, settings.postgres_pool_size * 2, settings.postgres_max_overflow
    )
    engine = ProjectionEngine(db, stores, [*all_projections(search), *extra])
    engine.prepare()
    poker = Poker(register_catch_up(shared.broker, engine, shared.pending), shared.pending, engine)
    return ReadSide(
        db,
        db.execution_options(isolation_level="AUTOCOMMIT"),
        engine,
        ReadYourWrites(engine, shared.watermarks, settings.read_your_writes_timeout_s),
        poker,
    )


@dataclass(frozen=True)
class Searching:
    search: Search
    feed: ExternalIndex | None


def _search(settings: Settings, read_side: ReadSide, projection: SearchProjection) -> Searching:
    """The configured backend over the search projection; Meilisearch is fed after each of
    its catch-ups (and so by every sweep, which retries a feed that failed)."""
    from infrastructure.search import meili
    from infrastructure.search.postgres import PostgresIndex
    from infrastructure.search.sqlite import Fts5Index

    backend = search_backend(settings)
    index: SearchIndex
    feed: ExternalIndex | None = None
    if backend == "meilisearch":
        client = meili.client(settings.meili_host, settings.meili_master_key)
        prefix = settings.meili_index_prefix
        feeder = meili.MeiliFeeder(read_side.db, client, projection, prefix)
        feeder.prepare()
        read_side.engine.on_caught_up.append(_feed(feeder.sync, projection.name))
        index, feed = meili.MeiliIndex(client, prefix), feeder
    elif backend == "postgres":
        index = PostgresIndex(read_side.reads, projection)
    else:
        index = Fts5Index(read_side.db, projection)

    def caught_up(user_id: UUID) -> None:
        read_side.consistency.wait(user_id, [projection.name])

    return Searching(Search(index, OwnDocuments(), settings.search, caught_up), feed)


def _feed(sync: Callable[[], int], name: str) -> Callable[[str], None]:
    def feed(caught_up: str) -> None:
        if caught_up != name:
            return
        try:
            sync()
        except Exception:  # Meilisearch down: the next catch-up (the sweep) feeds again
            logging.getLogger(__name__).warning("meilisearch feed failed", exc_info=True)

    return feed


def _plugins(settings: Settings, given: list[Plugin] | None) -> Plugins:
    """The plugins found in custom/features/ (by walking it: no plugin is named here),
    enabled by CUSTOM_ENABLE_<NAME>, configured from chronicle.custom.yaml."""
    health = PluginHealth()
    found = given if given is not None else discover(health=health)
    return Plugins(load(found, settings.custom_enable, settings.custom, health))


def _plugin_projections(plugins: Plugins) -> list[Projection]:
    """Each plugin's subscriptions as projections of their own, their failures counted; a
    name taken by the core or another plugin disables the plugin."""
    taken = {p.name for p in all_projections()}
    chosen: list[Projection] = []
    for plugin in list(plugins.loaded):
        try:
            mine = list(plugin.projections(plugins.configs[plugin.name]))
            clash = [p.name for p in mine if p.name in taken or not isinstance(p, Projection)]
            if clash:
                raise ValueError(f"projection names already taken: {clash}")
        except Exception as error:
            plugins.health.failed(plugin.name, "projections", error, fatal=True)
            plugins.loaded.remove(plugin)
            continue
        for projection in mine:
            taken.add(projection.name)
            plugins.projections.add(projection.name)
            chosen.append(GuardedProjection(projection, _counter(plugins.health, plugin.name)))
    return chosen


def _counter(health: PluginHealth, name: str) -> Callable[[BaseException], None]:
    return lambda error: health.failed(name, "projection", error)


def _mark_writer(watermarks: Watermarks) -> CommitHook:
    def mark(position: Position, actor: UUID | None) -> None:
        if actor is not None:
            watermarks.mark(actor, position)

    return mark


@dataclass(frozen=True)
class Identity:
    service: IdentityService
    tokens: SessionTokens
    revocations: Revocations


def _identity(
    settings: Settings,
    store: EventStore,
    secrets: wiring.Secrets,
    keystore: KeyStore,
    master: MasterKey,
    revoked: RevokedSubjects,
) -> Identity:
    session = timedelta(milliseconds=settings.session_expiry_ms)
    tokens = JwtTokens(secrets.jwt_secret, secrets.jwt_refresh_secret, session)
    revocations = Revocations(revoked, keystore, session)
    policy = IdentityPolicy(
        min_password_length=settings.min_password_length,
        refresh_lifetime=timedelta(milliseconds=settings.refresh_token_expiry_ms),
        refresh_reuse_grace=timedelta(seconds=settings.refresh_reuse_grace_s),
        email_claim_key=master.email_claim,
        legacy_email_claim_key=master.legacy,
    )
    service = IdentityService(store, Argon2Hasher(), tokens, keystore, policy, revocations)
    return Identity(service, tokens, revocations)


def _memories(settings: Settings, store: EventStore, may_use: Callable[[UUID], bool]) -> Memories:
    from infrastructure.tokenizer.bpe import O200kCounter  # LibreChat counts memories so

    config = settings.memory
    limits = Limits(config.char_limit, config.token_limit)
    return Memories(store, limits, O200kCounter(), config.disabled, may_use)


def _memory_use(roles: Roles, identity: IdentityService) -> Callable[[UUID], bool]:
    """Whether the user's role grants MEMORIES USE (LibreChat's check before memories join a
    turn), with the flags admins set on the role."""

    def may_use(user_id: UUID) -> bool:
        try:
            role = identity.profile(user_id).role
        except DomainError:
            return False
        state = roles.get(role)
        stored = state.permissions if state is not None else None
        return permissions(role, {"MEMORIES"}, stored)["MEMORIES"]["USE"]

    return may_use


@dataclass(frozen=True)
class Sharing:
    permissions: Permissions
    capabilities: Capabilities
    groups: Groups


class _LiveUsers:
    """A user id names a live account (registered, not deleted)."""

    def __init__(self, identity: IdentityService) -> None:
        self._identity = identity

    def exists(self, user_id: UUID) -> bool:
        try:
            self._identity.profile(user_id)
        except DomainError:
            return False
        return True


def _agents(store: EventStore, permissions: Permissions) -> Agents:
    permissions.register_catalog(AGENT, AgentCatalog(store))
    return Agents(store, permissions)


def _sharing(
    store: EventStore,
    read_side: ReadSide,
    identity: IdentityService,
    workers_running: Callable[[], bool],
) -> Sharing:
    reads = ProjectedAccess(read_side.reads, read_side.consistency, workers_running)
    users = _LiveUsers(identity)
    capabilities = Capabilities(store, reads)
    permissions = Permissions(store, reads, capabilities, users)
    return Sharing(permissions, capabilities, Groups(store, users))


def _chat(
    settings: Settings,
    conversations: Conversations,
    messages: Messages,
    broker: dramatiq.Broker,
    keys: UserKeys,
    billing_store: EventStore,
    memories: Memories,
    agents: AgentChats,
    files: Files,
) -> ChatService:
    # imported here: the provider SDKs (openai, anthropic) take seconds to import, which a
    # process that only imports this module (`chronicle --help`, test collection) must not pay
    from infrastructure.chat.catalog import build_catalog
    from infrastructure.tokenizer.bpe import O200kCounter

    catalog = build_catalog(list(settings.endpoints), settings.echo_delay_s)
    billing = TurnBilling(
        Charges(billing_store, settings.balance, load_price_table()), O200kCounter()
    )
    # the title actor's: registered before the chat
    titler = Titles(conversations, catalog, keys.bind, billing)
    return ChatService(
        conversations,
        messages,
        catalog,
        _stream_bus(settings),
        LibreChatFrames(),
        node=f"{socket.gethostname()}-{os.getpid()}",
        titles=register_titles(broker, titler).send,
        titler=titler,
        bind=keys.bind,
        billing=billing,
        memory=memories.context,
        agents=agents,
        attachments=ChatAttachments(files),
    )


def _stream_bus(settings: Settings) -> StreamBus:
    """Generation frames: Redis Streams when Redis is configured (any API process can serve a
    resuming client), else memory."""
    if not settings.redis_url:
        return MemoryStreamBus()
    return RedisStreamBus(wiring.stream_redis_client(settings.redis_url), settings.redis_prefix)


def _abuse(
    settings: Settings,
    client: redis.Redis | None,
    identity_store: EventStore,
    identity: IdentityService,
) -> AbusePolicy:
    """Limits and bans: shared through Redis when there is one, else this process's memory."""
    store = (
        RedisAbuseStore(client, settings.redis_prefix) if client is not None else MemoryAbuseStore()
    )
    policy = AbusePolicy(store, settings)
    policy.ban_listeners += [BanRecorder(identity_store), BanRevoker(identity.revoke_subject)]
    return policy
