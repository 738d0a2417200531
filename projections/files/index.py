"""Queries of the files read model, waiting for the reader's own writes first."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa

from projections.engine.consistency import ReadYourWrites
from projections.files.files import FilesProjection

FILES = FilesProjection().views()["files"]
VIEW = ["files"]


class ProjectedFiles:
    def __init__(self, db: sa.Engine, consistency: ReadYourWrites) -> None:
        self._db = db
        self._consistency = consistency

    def _rows(self, user_id: UUID | None, query: sa.Select[Any]) -> list[dict[str, Any]]:
        if user_id is not None:
            self._consistency.wait(user_id, VIEW)
        else:
            self._consistency.wait_for_head(VIEW)
        with self._db.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def own(self, user_id: UUID) -> list[dict[str, Any]]:
        query = (
            sa.select(FILES)
            .where(FILES.c.user_id == str(user_id), FILES.c.context != "avatar")
            .order_by(FILES.c.updated_at.desc())
        )
        return self._rows(user_id, query)

    def get(self, user_id: UUID, file_id: UUID) -> dict[str, Any] | None:
        query = sa.select(FILES).where(
            FILES.c.user_id == str(user_id), FILES.c.file_id == str(file_id)
        )
        found = self._rows(user_id, query)
        return found[0] if found else None

    def owners_of(self, file_ids: list[UUID]) -> dict[UUID, list[UUID]]:
        if not file_ids:
            return {}
        query = sa.select(FILES.c.file_id, FILES.c.user_id).where(
            FILES.c.file_id.in_([str(f) for f in file_ids])
        )
        owners: dict[UUID, list[UUID]] = {}
        for row in self._rows(None, query):
            owners.setdefault(UUID(row["file_id"]), []).append(UUID(row["user_id"]))
        return owners

    def by_path(self, user_id: UUID, filepath: str) -> dict[str, Any] | None:
        query = sa.select(FILES).where(
            FILES.c.user_id == str(user_id), FILES.c.filepath == filepath
        )
        found = self._rows(user_id, query)
        return found[0] if found else None
