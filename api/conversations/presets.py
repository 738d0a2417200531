"""/api/presets: a user's saved conversation settings (LibreChat's routes/presets.js)."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any
from uuid import UUID, uuid4

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.params import JSONBody
from msgspec import UNSET, UnsetType

from api.conversations.presenters import iso
from api.deps import container_of, provide_user_id
from domain.conversations.presets import (
    ANY_LIST,
    FIELDS,
    FLAG,
    LABEL,
    LABELS,
    LIMITS,
    MAX_LABEL,
    MAX_PRESET_ID,
    NUMBER,
    TEXT,
)
from projections.conversations.presets import presets_of

PresetId = Annotated[str, msgspec.Meta(max_length=MAX_PRESET_ID)]


def _label(name: str) -> Any:
    return Annotated[str, msgspec.Meta(max_length=LIMITS.get(name, MAX_LABEL))]


_TYPES: dict[str, Any] = {
    TEXT: str,
    NUMBER: float,
    FLAG: bool,
    LABELS: list[Annotated[str, msgspec.Meta(max_length=MAX_LABEL)]],
    ANY_LIST: list[Any],
}

# The body says LibreChat's preset schema once, from the domain's table of fields: each
# field of its type, or null; UNSET when not sent (a save keeps what it does not send).
PresetBody = msgspec.defstruct(
    "PresetBody",
    [
        ("presetId", PresetId | None, None),
        ("newPresetId", PresetId | None, None),
        ("defaultPreset", bool | None, None),
        *(
            (name, (_label(name) if kind == LABEL else _TYPES[kind]) | None | UnsetType, UNSET)
            for name, kind in FIELDS.items()
        ),
    ],
    kw_only=True,
)


class DeletePresets(msgspec.Struct, kw_only=True):
    presetId: PresetId | None = None


class PresetsController(Controller):
    path = "/api/presets"
    dependencies = {"user_id": Provide(provide_user_id)}

    @get("/", sync_to_thread=True)
    def list_presets(self, request: Request[Any, Any, Any], user_id: UUID) -> list[dict[str, Any]]:
        container = container_of(request)
        container.consistency.wait(user_id, ["presets"])
        with container.reads.connect() as conn:
            return [preset_json(row) for row in presets_of(conn, user_id)]

    @post("/", status_code=201, sync_to_thread=True)
    def save(
        self,
        request: Request[Any, Any, Any],
        user_id: UUID,
        data: JSONBody[PresetBody],  # type: ignore[valid-type]
    ) -> dict[str, Any]:
        container = container_of(request)
        body: Any = data  # a Struct made from the domain's fields: mypy cannot see its own
        preset_id = body.presetId or str(uuid4())
        fields = {k: v for k in FIELDS if (v := getattr(body, k)) is not UNSET}
        done = container.presets.save(
            user_id, preset_id, fields, body.defaultPreset, body.newPresetId
        )
        saved_id = body.newPresetId or preset_id
        container.consistency.wait(user_id, ["presets"])
        with container.reads.connect() as conn:
            row = next((r for r in presets_of(conn, user_id) if r["preset_id"] == saved_id), None)
        return preset_json(row) if row else _unlisted(user_id, saved_id, done.value)

    @post("/delete", status_code=201, sync_to_thread=True)
    def delete(
        self,
        request: Request[Any, Any, Any],
        user_id: UUID,
        data: JSONBody[DeletePresets | None] = None,
    ) -> dict[str, Any]:
        preset_id = data.presetId if data else None
        done = container_of(request).presets.delete(user_id, preset_id)
        return {"acknowledged": True, "deletedCount": done.value}


def preset_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "_id": _object_id(row["user_id"], row["preset_id"]),
        **(row["preset"] or {}),
        "presetId": row["preset_id"],
        "user": row["user_id"],
        "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["updated_at"]),
    }


def _unlisted(user_id: UUID, preset_id: str, preset: dict[str, Any]) -> dict[str, Any]:
    """The saved preset when the read model has not caught up within the wait."""
    return {
        "_id": _object_id(str(user_id), preset_id),
        **preset,
        "presetId": preset_id,
        "user": str(user_id),
    }


def _object_id(user_id: str, preset_id: str) -> str:
    """A stable 24-hex id in the place of MongoDB's `_id`."""
    return hashlib.sha256(f"{user_id}:{preset_id}".encode()).hexdigest()[:24]
