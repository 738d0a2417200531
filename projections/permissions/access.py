"""AccessReads over the permissions read model: every answer is as fresh as the stores.

A guard that read a lagging model would let a just-revoked user in, so each read first waits
(bounded) until the projection has applied everything committed to the sharing and identity
stores before the call, whoever wrote it; if it cannot, the request fails with 503 rather than
answer from stale grants."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from uuid import UUID

import sqlalchemy as sa

from application.permissions.ports import EntryView
from domain.permissions.model import Principal
from domain.shared.errors import Unavailable
from projections.engine.consistency import ReadYourWrites
from projections.permissions import queries

BEHIND = "Permissions are still being updated; please retry in a moment"
PROJECTION = "permissions"


class ProjectedAccess:
    def __init__(
        self,
        db: sa.Engine,
        consistency: ReadYourWrites,
        workers_running: Callable[[], bool] = lambda: True,
    ) -> None:
        """`workers_running`: whether this process runs the projection workers. An embedded
        process without them (the CLI) has nobody to wait for: it catches up itself."""
        self._db = db
        self._consistency = consistency
        self._workers_running = workers_running

    def _fresh(self) -> sa.Connection:
        engine = self._consistency.engine
        if engine.db.dialect.name == "sqlite" and not self._workers_running():
            engine.catch_up(PROJECTION)
        elif not self._consistency.wait_for_head([PROJECTION]):
            raise Unavailable(BEHIND)
        return self._db.connect()

    def role_of(self, user_id: UUID) -> str | None:
        with self._fresh() as conn:
            return queries.role_of(conn, user_id)

    def groups_of(self, user_id: UUID) -> list[str]:
        with self._fresh() as conn:
            return queries.groups_of(conn, user_id)

    def bits(self, user_id: UUID, resource_type: str, resource_id: str) -> int:
        with self._fresh() as conn:
            return queries.bits(conn, user_id, resource_type, resource_id)

    def bits_by_resource(self, user_id: UUID, resource_type: str) -> dict[str, int]:
        with self._fresh() as conn:
            return queries.bits_by_resource(conn, user_id, resource_type)

    def public_bits(self, resource_type: str, resource_id: str) -> int:
        with self._fresh() as conn:
            return queries.public_bits(conn, resource_type, resource_id)

    def entries(self, resource_type: str, resource_id: str) -> list[EntryView]:
        with self._fresh() as conn:
            rows = queries.entries(conn, resource_type, resource_id)
        return [
            EntryView(
                principal=Principal(r["principal_type"], r["principal_id"] or None),
                access_role_id=r["access_role_id"],
                perm_bits=r["perm_bits"],
                granted_by=r["granted_by"],
                granted_at=r["granted_at"],
            )
            for r in rows
        ]

    def capabilities_of(self, principals: Iterable[Principal]) -> set[str]:
        with self._fresh() as conn:
            return queries.capabilities_of(conn, principals)
