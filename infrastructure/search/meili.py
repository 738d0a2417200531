"""Meilisearch: LibreChat's indexes (`messages` keyed by `messageId`, `convos` keyed by
`conversationId`, `user` filterable), fed from the search projection's outbox.

The index is outside the read-model database, so it cannot share the projection's
transaction. `MeiliFeeder` keeps its own position in `search_meili_sync` and applies the
outbox (`search_changes`) after it: each touched document is read again from the search
documents and upserted by id (or deleted when gone), after the deletions by filter, so
replaying a stretch twice, after a crash between Meilisearch's answer and the position's
write, gives the same index. A document's `messageId` is `<conversationId>_<messageId>`: a
message id is the client's, unique only within its conversation (docs/architecture.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import meilisearch
import sqlalchemy as sa
from meilisearch.errors import MeilisearchError

from application.search.ports import MessageHit, Query, Readable
from domain.shared.errors import Unavailable
from infrastructure.search.meili_state import FeedState
from projections.engine.state import physical_name, projection_state
from projections.search.documents import SearchProjection

log = logging.getLogger(__name__)
BATCH = 1000
TIMEOUT_MS = 60_000
MESSAGES, CONVOS = "messages", "convos"
KEYS = {MESSAGES: "messageId", CONVOS: "conversationId"}
FILTERABLE = {MESSAGES: ["user", "conversationId", "messageId"], CONVOS: ["user", "conversationId"]}
# the words searched: ids (a user's, a conversation's) are filters, never matches
SEARCHABLE = {MESSAGES: ["text"], CONVOS: ["title", "tags"]}


def client(host: str, key: str, timeout_s: int = 5) -> meilisearch.Client:
    return meilisearch.Client(host, key or None, timeout=timeout_s)


class MeiliIndex:
    backend = "meilisearch"

    def __init__(self, meili: meilisearch.Client, prefix: str = "") -> None:
        self._meili = meili
        self._prefix = prefix

    def available(self) -> bool:
        return bool(self._meili.health().get("status") == "available")

    def messages(self, query: Query) -> list[MessageHit]:
        hits = self._search(MESSAGES, query)
        return [MessageHit(*hit["messageId"].split("_", 1)) for hit in hits]

    def conversations(self, query: Query) -> list[str]:
        return [hit["conversationId"] for hit in self._search(CONVOS, query)]

    def _search(self, index: str, query: Query) -> list[dict[str, Any]]:
        params = {
            "filter": readable_filter(query.readable),
            "limit": query.limit,
            "offset": query.offset,
            "attributesToRetrieve": [KEYS[index]],
            "matchingStrategy": "all",  # every word, as the other backends (not "last")
        }
        try:
            answer = self._meili.index(self._prefix + index).search(query.text, params)
        except (MeilisearchError, OSError) as error:
            log.warning("meilisearch search failed: %s", error)
            raise Unavailable("Search is unavailable; please retry in a moment") from None
        return list(answer.get("hits", []))


def readable_filter(scope: Readable) -> str:
    own = f"user IN [{_quoted(scope.owners)}]"
    if not scope.conversations:
        return own
    return f"{own} OR conversationId IN [{_quoted(scope.conversations)}]"


def _quoted(values: tuple[str, ...]) -> str:
    # ids are UUIDs the server made; quoting keeps any other value inert
    return ", ".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)


class MeiliFeeder:
    """Brings the Meilisearch indexes up to the search projection's documents."""

    def __init__(
        self,
        db: sa.Engine,
        meili: meilisearch.Client,
        projection: SearchProjection,
        prefix: str = "",
    ) -> None:
        self._db = db
        self._meili = meili
        self._projection = projection
        self._prefix = prefix
        self._state = FeedState(db, prefix)
        self._tables: dict[int, dict[str, sa.Table]] = {}

    def prepare(self) -> None:
        self._state.prepare()

    def sync(self) -> int:
        """Apply the outbox after the stored position; a first run (or a rebuilt projection)
        copies every document instead. Returns how many changes were applied; 0 when another
        feeder holds the lease (it applies them, or the next sweep does)."""
        with self._state.held() as mine:
            if not mine:
                return 0
            generation, tables = self._generation()
            position = self._state.position(generation)
            if position is None:
                return self._copy(generation, tables, _quiet)
            applied = 0
            while batch := self._changes(tables["search_changes"], position):
                self._apply(tables, batch)
                position = batch[-1]["seq"]
                self._state.store(generation, position, tables["search_changes"])
                applied += len(batch)
            return applied

    def reindex(self, progress: Callable[[int, int], None] = lambda _done, _total: None) -> int:
        """Copy every document into fresh indexes, then swap them in: searches keep the old
        ones until the swap. Waits (up to 10 minutes) for a feed running elsewhere."""
        with self._state.held(wait_s=600) as mine:
            if not mine:
                raise RuntimeError("another process holds the Meilisearch feed; try again later")
            generation, tables = self._generation()
            return self._copy(generation, tables, progress)

    def _copy(
        self, generation: int, tables: dict[str, sa.Table], progress: Callable[[int, int], None]
    ) -> int:
        """The outbox position is taken first, so what changes meanwhile is applied (again)
        by the next sync."""
        with self._db.connect() as conn:
            start = conn.execute(sa.select(sa.func.max(tables["search_changes"].c.seq))).scalar()
            total = sum(
                conn.execute(sa.select(sa.func.count()).select_from(tables[t])).scalar_one()
                for t in ("search_messages", "search_convos")
            )
        done = 0
        for index, table in ((MESSAGES, "search_messages"), (CONVOS, "search_convos")):
            fresh = self._fresh(index)
            for docs in self._documents(tables[table], index):
                self._wait(self._meili.index(fresh).add_documents(docs, KEYS[index]))
                done += len(docs)
                progress(done, total)
                self._state.renew()
            self._swap(index, fresh)
        self._state.store(generation, int(start or 0), tables["search_changes"])
        return done

    # -------------------------------------------------------------- outbox
    def _apply(self, tables: dict[str, sa.Table], batch: list[dict[str, Any]]) -> None:
        messages, convos = (
            self._meili.index(self._uid(MESSAGES)),
            self._meili.index(self._uid(CONVOS)),
        )
        for change in batch:  # deletions by filter first, in order
            if change["kind"] == "user":
                where = f"user = {_quoted((change['user_id'],))}"
            elif change["kind"] == "conversation_deleted":
                where = f"conversationId = {_quoted((change['conversation_id'],))}"
            else:
                continue
            self._wait(messages.delete_documents(filter=where))
            self._wait(convos.delete_documents(filter=where))
        message_keys: set[tuple[str, ...]] = {
            (c["conversation_id"], c["message_id"]) for c in batch if c["kind"] == "message"
        }
        convo_ids = {c["conversation_id"] for c in batch if c["kind"] == "conversation"}
        self._reconcile(messages, tables["search_messages"], MESSAGES, message_keys)
        self._reconcile(convos, tables["search_convos"], CONVOS, {(c,) for c in convo_ids})

    def _reconcile(
        self, index: Any, table: sa.Table, kind: str, keys: set[tuple[str, ...]]
    ) -> None:
        if not keys:
            return
        columns = [table.c.conversation_id] + ([table.c.message_id] if kind == MESSAGES else [])
        with self._db.connect() as conn:
            rows = conn.execute(sa.select(table).where(sa.tuple_(*columns).in_(list(keys))))
            found = {_key_of(r._mapping, kind): _document(r._mapping, kind) for r in rows}
        gone = [_doc_id(key) for key in keys if _doc_id(key) not in found]
        if gone:
            self._wait(index.delete_documents(filter=f"{KEYS[kind]} IN [{_quoted(tuple(gone))}]"))
        if found:
            self._wait(index.add_documents(list(found.values()), KEYS[kind]))

    def _changes(self, table: sa.Table, position: int) -> list[dict[str, Any]]:
        with self._db.connect() as conn:
            rows = conn.execute(
                sa.select(table).where(table.c.seq > position).order_by(table.c.seq).limit(BATCH)
            )
            return [dict(r._mapping) for r in rows]

    # ------------------------------------------------------------- indexes
    def _fresh(self, index: str) -> str:
        """An empty index beside `index`, configured like it (which is created if missing)."""
        fresh = self._uid(index) + "_reindex"
        for uid in (self._uid(index), fresh):
            if uid == fresh:
                self._delete_index(fresh)
            self._create(uid, index)
        return fresh

    def _create(self, uid: str, index: str) -> None:
        # a task that fails because the index exists already is fine
        self._wait(self._meili.create_index(uid, {"primaryKey": KEYS[index]}), strict=False)
        settings = {
            "filterableAttributes": FILTERABLE[index],
            "searchableAttributes": SEARCHABLE[index],
        }
        self._wait(self._meili.index(uid).update_settings(settings))

    def _swap(self, index: str, fresh: str) -> None:
        self._wait(self._meili.swap_indexes([{"indexes": [self._uid(index), fresh]}]))
        self._delete_index(fresh)

    def _delete_index(self, uid: str) -> None:
        self._wait(self._meili.delete_index(uid), strict=False)  # gone already is fine

    def _wait(self, task: Any, strict: bool = True) -> None:
        """Meilisearch applies writes asynchronously: wait, and fail on a failed task, so the
        position never moves past a change that did not land."""
        done = self._meili.wait_for_task(task.task_uid, timeout_in_ms=TIMEOUT_MS)
        if strict and done.status != "succeeded":
            raise RuntimeError(f"meilisearch task {task.task_uid} {done.status}: {done.error}")

    def _uid(self, index: str) -> str:
        return self._prefix + index

    # ------------------------------------------------------------ bookkeeping
    def _generation(self) -> tuple[int, dict[str, sa.Table]]:
        with self._db.connect() as conn:
            generation = int(
                conn.execute(
                    sa.select(projection_state.c.active_generation).where(
                        projection_state.c.projection == self._projection.name
                    )
                ).scalar_one()
            )
        if generation not in self._tables:  # built once per generation
            define = self._projection.define
            tables = define(sa.MetaData(), lambda b: physical_name(b, generation))
            self._tables = {generation: tables}
        return generation, self._tables[generation]

    def _documents(self, table: sa.Table, kind: str) -> Iterator[list[dict[str, Any]]]:
        last = 0
        while True:
            with self._db.connect() as conn:
                rows = list(
                    conn.execute(
                        sa.select(table)
                        .where(table.c.rid > last)
                        .order_by(table.c.rid)
                        .limit(BATCH)
                    )
                )
            if not rows:
                return
            last = rows[-1].rid
            yield [_document(r._mapping, kind) for r in rows]


def _quiet(_done: int, _total: int) -> None:
    pass


def _key_of(row: Any, kind: str) -> str:
    if kind == MESSAGES:
        return _doc_id((row["conversation_id"], row["message_id"]))
    return _doc_id((row["conversation_id"],))


def _doc_id(key: tuple[str, ...]) -> str:
    return "_".join(key)


def _document(row: Any, kind: str) -> dict[str, Any]:
    if kind == MESSAGES:
        return {
            "messageId": _key_of(row, kind),
            "conversationId": row["conversation_id"],
            "user": row["user_id"],
            "sender": row["sender"],
            "text": row["text"],
        }
    return {
        "conversationId": row["conversation_id"],
        "user": row["user_id"],
        "title": row["title"],
        "tags": row["tags"].split(),
    }
