"""PresetsView: each user's presets, as LibreChat lists them (by `order`, then newest)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain.conversations.events import PresetDefaultCleared, PresetSaved, PresetsDeleted
from domain.conversations.presets import MAX_PRESET_ID
from domain.identity.events import UserDeleted
from projections.engine.projection import Projection, TableNamer
from projections.engine.rows import Rows

Tables = dict[str, sa.Table]
UNORDERED = 10000  # LibreChat's sort value for a preset without an order


def _presets(metadata: sa.MetaData, name_for: TableNamer) -> sa.Table:
    return sa.Table(
        name_for("presets"),
        metadata,
        sa.Column("user_id", sa.String(36), primary_key=True),
        sa.Column("preset_id", sa.String(MAX_PRESET_ID), primary_key=True),
        sa.Column("title", sa.Text, nullable=True),
        sa.Column("endpoint", sa.String(100), nullable=True),
        sa.Column("model", sa.String(200), nullable=True),
        sa.Column("default_preset", sa.Boolean, nullable=False),
        sa.Column("position", sa.Integer, nullable=True),  # LibreChat's `order`
        sa.Column("preset", sa.JSON, nullable=False),  # every field, as the client reads it
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


class PresetsProjection(Projection):
    name = "presets"
    subscriptions = {
        "conversations": (PresetSaved, PresetDefaultCleared, PresetsDeleted),
        "identity": (UserDeleted,),
    }

    def define(self, metadata: sa.MetaData, name_for: TableNamer) -> Tables:
        return {"presets": _presets(metadata, name_for)}

    def apply(self, rows: Rows, tables: Tables, event: Any) -> None:
        table = tables["presets"]
        if isinstance(event, PresetSaved):
            _saved(rows, table, event)
        elif isinstance(event, PresetDefaultCleared):
            key = _key(event, event.preset_id)
            current = rows.get(table, key)
            preset = {
                k: v
                for k, v in ((current or {}).get("preset") or {}).items()
                if k not in ("defaultPreset", "order")
            }
            rows.update(table, key, {"default_preset": False, "position": None, "preset": preset})
        elif isinstance(event, PresetsDeleted):
            for preset_id in event.preset_ids:
                rows.delete(table, _key(event, preset_id))
        elif isinstance(event, UserDeleted):
            rows.delete(table, {"user_id": str(event.originator_id)})


def _key(event: Any, preset_id: str) -> dict[str, str]:
    return {"user_id": str(event.user_id), "preset_id": preset_id}


def _saved(rows: Rows, table: sa.Table, e: PresetSaved) -> None:
    before = rows.get(table, _key(e, e.replaces or e.preset_id))
    if e.replaces:
        rows.delete(table, _key(e, e.replaces))
    preset = e.preset or {}
    order = preset.get("order")
    rows.upsert(
        table,
        {
            **_key(e, e.preset_id),
            "title": _text(preset.get("title")),
            "endpoint": _text(preset.get("endpoint")),
            "model": _text(preset.get("model")),
            "default_preset": bool(preset.get("defaultPreset")),
            "position": order if isinstance(order, int) else None,
            "preset": preset,
            "created_at": before["created_at"] if before else e.timestamp,
            "updated_at": e.timestamp,
        },
        key=["user_id", "preset_id"],
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def presets_of(conn: sa.Connection, user_id: UUID) -> list[dict[str, Any]]:
    t = PresetsProjection().views()["presets"]
    order = sa.func.coalesce(t.c.position, UNORDERED)
    query = sa.select(t).where(t.c.user_id == str(user_id)).order_by(order, t.c.updated_at.desc())
    return [dict(r._mapping) for r in conn.execute(query)]
