"""ProjectsView: each user's chat projects. Their counts and last activity are not stored:
they are read from the conversation list when asked, so archiving, deleting or moving a
conversation can never leave a project's numbers stale."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain.conversations.events import ProjectCreated, ProjectDeleted, ProjectUpdated
from domain.identity.events import UserDeleted
from projections.conversations.conversation_list import ConversationListProjection
from projections.engine.projection import Projection, TableNamer
from projections.engine.rows import Rows

Tables = dict[str, sa.Table]


def _projects(metadata: sa.MetaData, name_for: TableNamer) -> sa.Table:
    name = name_for("projects")
    return sa.Table(
        name,
        metadata,
        sa.Column("user_id", sa.String(36), primary_key=True),
        sa.Column("project_id", sa.String(24), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


class ProjectsProjection(Projection):
    name = "projects"
    subscriptions = {
        "conversations": (ProjectCreated, ProjectUpdated, ProjectDeleted),
        "identity": (UserDeleted,),
    }

    def define(self, metadata: sa.MetaData, name_for: TableNamer) -> Tables:
        return {"projects": _projects(metadata, name_for)}

    def apply(self, rows: Rows, tables: Tables, event: Any) -> None:
        table = tables["projects"]
        if isinstance(event, ProjectCreated):
            row = {
                "user_id": str(event.user_id),
                "project_id": event.project_id,
                "name": event.name,
                "description": event.description or "",
                "created_at": event.timestamp,
                "updated_at": event.timestamp,
            }
            rows.upsert(table, row, key=["user_id", "project_id"])
        elif isinstance(event, ProjectUpdated):
            values = {"name": event.name, "description": event.description or ""}
            rows.update(table, _key(event), {**values, "updated_at": event.timestamp})
        elif isinstance(event, ProjectDeleted):
            rows.delete(table, _key(event))
        elif isinstance(event, UserDeleted):
            rows.delete(table, {"user_id": str(event.originator_id)})


def _key(event: Any) -> dict[str, str]:
    return {"user_id": str(event.user_id), "project_id": event.project_id}


PROJECTS = ProjectsProjection().views()["projects"]
CONVERSATIONS = ConversationListProjection().views()["conversations"]


def projects_of(
    conn: sa.Connection, user_id: UUID, project_id: str | None = None
) -> list[dict[str, Any]]:
    """The user's projects (or the one named), each with `conversation_count`,
    `last_conversation_at` and `last_conversation_id` over its listed conversations (not
    archived, not temporary), as LibreChat counts them."""
    owner = str(user_id)
    visible = sa.and_(
        CONVERSATIONS.c.user_id == owner,
        CONVERSATIONS.c.project_id.is_not(None),
        CONVERSATIONS.c.is_archived.is_(False),
        CONVERSATIONS.c.expired_at.is_(None),
    )
    rank = sa.func.row_number().over(
        partition_by=CONVERSATIONS.c.project_id,
        order_by=(CONVERSATIONS.c.updated_at.desc(), CONVERSATIONS.c.conversation_id.desc()),
    )
    ranked = sa.select(
        CONVERSATIONS.c.project_id,
        CONVERSATIONS.c.conversation_id,
        CONVERSATIONS.c.updated_at,
        sa.func.count().over(partition_by=CONVERSATIONS.c.project_id).label("n"),
        rank.label("rank"),
    ).where(visible)
    if project_id is not None:
        ranked = ranked.where(CONVERSATIONS.c.project_id == project_id)
    latest = ranked.subquery()
    query = (
        sa.select(
            PROJECTS,
            sa.func.coalesce(latest.c.n, 0).label("conversation_count"),
            latest.c.updated_at.label("last_conversation_at"),
            latest.c.conversation_id.label("last_conversation_id"),
        )
        .select_from(
            PROJECTS.outerjoin(
                latest,
                sa.and_(latest.c.project_id == PROJECTS.c.project_id, latest.c.rank == 1),
            )
        )
        .where(PROJECTS.c.user_id == owner)
    )
    if project_id is not None:
        query = query.where(PROJECTS.c.project_id == project_id)
    return [dict(r._mapping) for r in conn.execute(query)]
