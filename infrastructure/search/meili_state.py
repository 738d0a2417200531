"""The Meilisearch feed's own bookkeeping, in the read-model database: how far into the search
projection's outbox it has applied (per generation), and a lease so that one feeder at a time
writes (any worker runs the feed after its catch-ups; two reindexes at once would delete each
other's fresh index)."""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

LEASE = timedelta(seconds=60)  # renewed at every batch; a feeder that died frees it then

sync_state = sa.Table(
    "search_meili_sync",
    sa.MetaData(),
    sa.Column("index_prefix", sa.String(100), primary_key=True),
    sa.Column("generation", sa.Integer, nullable=False),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("holder", sa.String(100), nullable=True),
    sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
)


class FeedState:
    def __init__(self, db: sa.Engine, prefix: str) -> None:
        self._db = db
        self._prefix = prefix
        self._me = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._where = sync_state.c.index_prefix == prefix

    def prepare(self) -> None:
        sync_state.create(self._db, checkfirst=True)
        row = {"index_prefix": self._prefix, "generation": 0, "position": -1}
        try:
            with self._db.begin() as conn:
                if conn.execute(sa.select(sync_state.c.index_prefix).where(self._where)).first():
                    return
                conn.execute(sync_state.insert().values(row))
        except sa.exc.IntegrityError:
            pass  # another process inserted it first

    def position(self, generation: int) -> int | None:
        """None: nothing applied for this generation yet (a full copy is due)."""
        with self._db.connect() as conn:
            row = conn.execute(sa.select(sync_state).where(self._where)).one()
        if row.generation != generation or row.position < 0:
            return None
        return int(row.position)

    def store(self, generation: int, position: int, changes: sa.Table) -> None:
        """Move the position and prune the outbox up to it, in one transaction."""
        with self._db.begin() as conn:
            conn.execute(
                sync_state.update()
                .where(self._where)
                .values(generation=generation, position=position, lease_until=_until())
            )
            conn.execute(sa.delete(changes).where(changes.c.seq <= position))

    @contextmanager
    def held(self, wait_s: float = 0.0) -> Iterator[bool]:
        """Whether this feeder holds the lease (waiting up to `wait_s` for it)."""
        deadline = time.monotonic() + wait_s
        while not (mine := self._take()) and time.monotonic() < deadline:
            time.sleep(0.5)
        try:
            yield mine
        finally:
            if mine:
                self._release()

    def renew(self) -> None:
        with self._db.begin() as conn:
            conn.execute(
                sync_state.update()
                .where(self._where, sync_state.c.holder == self._me)
                .values(lease_until=_until())
            )

    def _take(self) -> bool:
        free = sa.or_(
            sync_state.c.holder.is_(None),
            sync_state.c.holder == self._me,
            sync_state.c.lease_until < datetime.now(UTC),
        )
        with self._db.begin() as conn:
            taken = conn.execute(
                sync_state.update()
                .where(self._where, free)
                .values(holder=self._me, lease_until=_until())
            )
        return bool(taken.rowcount)

    def _release(self) -> None:
        with self._db.begin() as conn:
            conn.execute(
                sync_state.update()
                .where(self._where, sync_state.c.holder == self._me)
                .values(holder=None, lease_until=None)
            )


def _until() -> datetime:
    return datetime.now(UTC) + LEASE
