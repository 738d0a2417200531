"""Per-subject data keys, wrapped by the master key; destroying one shreds that subject."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

import sqlalchemy as sa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.dialects import postgresql, sqlite

WRAP_V2 = b"\x02"
V1_LENGTH = 12 + 32 + 16  # nonce, key, GCM tag

metadata = sa.MetaData()
subject_keys = sa.Table(
    "subject_keys",
    metadata,
    sa.Column("subject_id", sa.String(36), primary_key=True),
    sa.Column("wrapped_key", sa.LargeBinary, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=True),
)


class SubjectShredded(Exception):
    """Personal data cannot be written for a subject whose key was destroyed."""


class SqlKeyStore:
    """Keys live in their own table (never in the events), so destroying one is final.

    Keys are cached briefly per process; a destroyed key can stay readable in another
    process's cache for at most `cache_seconds`, which is why projections also delete a
    deleted user's rows on the deletion event itself.
    """

    def __init__(
        self,
        engine: sa.Engine,
        wrap_key: bytes,
        legacy_wrap_key: bytes | None = None,
        cache_seconds: float = 60.0,
    ):
        self._engine = engine
        self._wrap_key = AESGCM(wrap_key)
        # keys wrapped before derivation (v1: no version byte) open with the bare master key
        self._legacy = AESGCM(legacy_wrap_key) if legacy_wrap_key else None
        self._cache: dict[UUID, tuple[bytes | None, float]] = {}
        self._lock = threading.Lock()
        self._ttl = cache_seconds
        # called after a key is destroyed: caches of decrypted state in this process drop it
        self.on_destroy: list[Callable[[UUID], None]] = []

    def create_tables(self) -> None:
        """Under an advisory lock on PostgreSQL: processes starting together must not race."""
        with self._engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('chronicle:keys'))"))
            metadata.create_all(conn)

    def key_for_write(self, subject: UUID) -> bytes:
        key = self._cached(subject)
        if key is None:
            key = self._load(subject) or self._create(subject)
        return key

    def key_for_read(self, subject: UUID) -> bytes | None:
        """None for a shredded subject: reading its events yields redacted fields."""
        try:
            key = self._cached(subject)
        except SubjectShredded:
            return None
        if key is None:
            key = self._load(subject, missing_ok=True)
        return key

    def destroy(self, subject: UUID) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                subject_keys.update()
                .where(subject_keys.c.subject_id == str(subject))
                .values(wrapped_key=None, destroyed_at=datetime.now(UTC))
            )
        with self._lock:
            self._cache[subject] = (None, time.monotonic() + self._ttl)
        for listener in self.on_destroy:
            listener(subject)

    def is_destroyed(self, subject: UUID) -> bool:
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(subject_keys.c.destroyed_at).where(
                    subject_keys.c.subject_id == str(subject)
                )
            ).first()
        return row is not None and row.destroyed_at is not None

    def destroyed_since(self, since: datetime) -> list[tuple[UUID, datetime]]:
        """The subjects shredded after `since`, and when: what refills the revoked set."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(subject_keys.c.subject_id, subject_keys.c.destroyed_at).where(
                    subject_keys.c.destroyed_at > since
                )
            ).all()
        return [(UUID(row.subject_id), _aware(row.destroyed_at)) for row in rows]

    def _cached(self, subject: UUID) -> bytes | None:
        with self._lock:
            hit = self._cache.get(subject)
        if hit is None or hit[1] < time.monotonic():
            return None
        if hit[0] is None:
            raise SubjectShredded(str(subject))
        return hit[0]

    def _remember(self, subject: UUID, key: bytes | None) -> None:
        with self._lock:
            self._cache[subject] = (key, time.monotonic() + self._ttl)

    def _load(self, subject: UUID, missing_ok: bool = False) -> bytes | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(subject_keys.c.wrapped_key, subject_keys.c.destroyed_at).where(
                    subject_keys.c.subject_id == str(subject)
                )
            ).first()
        if row is None:
            return None
        if row.destroyed_at is not None:
            self._remember(subject, None)
            if missing_ok:
                return None
            raise SubjectShredded(str(subject))
        key = self._unwrap(subject, row.wrapped_key)
        self._remember(subject, key)
        return key

    def _create(self, subject: UUID) -> bytes:
        key = AESGCM.generate_key(bit_length=256)
        insert = (postgresql if self._engine.dialect.name == "postgresql" else sqlite).insert
        statement = insert(subject_keys).values(
            subject_id=str(subject),
            wrapped_key=self._wrap(subject, key),
            created_at=datetime.now(UTC),
        )
        with self._engine.begin() as conn:
            conn.execute(statement.on_conflict_do_nothing(index_elements=["subject_id"]))
        loaded = self._load(subject)  # another process may have won the race
        assert loaded is not None
        return loaded

    def _wrap(self, subject: UUID, key: bytes) -> bytes:
        nonce = os.urandom(12)
        return WRAP_V2 + nonce + self._wrap_key.encrypt(nonce, key, str(subject).encode())

    def _unwrap(self, subject: UUID, wrapped: bytes) -> bytes:
        """v2 is the version byte, nonce, ciphertext (61 bytes); v1 had no version byte (60)."""
        aad = str(subject).encode()
        if len(wrapped) == V1_LENGTH + 1 and wrapped[:1] == WRAP_V2:
            return self._wrap_key.decrypt(wrapped[1:13], wrapped[13:], aad)
        if self._legacy is None:
            raise ValueError(f"the key of {subject} is wrapped by v1 and no v1 key is configured")
        return self._legacy.decrypt(wrapped[:12], wrapped[12:], aad)


def _aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
