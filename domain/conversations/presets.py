"""A user's presets: saved conversation settings, one of them perhaps the default.

LibreChat merges a save into the stored preset (fields not sent are kept), moves it when
`newPresetId` is given, and gives `defaultPreset: true` to one preset at a time (with
`order: 0`); `defaultPreset: false` removes both. Presets are conversation templates, so they
live with the conversations, one book per user (like the tag book)."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from domain.conversations.events import PresetDefaultCleared, PresetSaved, PresetsDeleted
from domain.conversations.rules import MAX_ENDPOINT, MAX_MODEL, MAX_TITLE, check_text
from domain.shared.aggregate import Aggregate, applies
from domain.shared.errors import Invalid

_NAMESPACE = UUID("7c1d2b9e-4f3a-4d8e-9b6a-2e5f0c8d1a47")
MAX_PRESET_ID = 256
MAX_PRESETS = 1000
MAX_LABEL = 1024  # any other short string field
TEXT, LABEL, NUMBER, FLAG, LABELS, ANY_LIST = "text", "label", "number", "flag", "labels", "list"

# LibreChat's preset schema (packages/data-schemas/src/schema/preset.ts + defaults.ts); a
# field it does not declare is not stored, as mongoose drops it.
FIELDS: dict[str, str] = {
    "title": LABEL,
    "endpoint": LABEL,
    "endpointType": LABEL,
    "model": LABEL,
    "region": LABEL,
    "chatGptLabel": LABEL,
    "examples": ANY_LIST,
    "modelLabel": LABEL,
    "promptPrefix": TEXT,
    "temperature": NUMBER,
    "top_p": NUMBER,
    "topP": NUMBER,
    "topK": NUMBER,
    "maxOutputTokens": NUMBER,
    "maxTokens": NUMBER,
    "presence_penalty": NUMBER,
    "frequency_penalty": NUMBER,
    "file_ids": LABELS,
    "resendImages": FLAG,
    "promptCache": FLAG,
    "promptCacheTtl": LABEL,
    "thinking": FLAG,
    "thinkingBudget": NUMBER,
    "thinkingLevel": LABEL,
    "effort": LABEL,
    "system": TEXT,
    "resendFiles": FLAG,
    "imageDetail": LABEL,
    "agent_id": LABEL,
    "assistant_id": LABEL,
    "instructions": TEXT,
    "stop": LABELS,
    "isArchived": FLAG,
    "iconURL": LABEL,
    "greeting": TEXT,
    "spec": LABEL,
    "tags": LABELS,
    "tools": ANY_LIST,
    "maxContextTokens": NUMBER,
    "max_tokens": NUMBER,
    "useResponsesApi": FLAG,
    "web_search": FLAG,
    "url_context": FLAG,
    "disableStreaming": FLAG,
    "fileTokenLimit": NUMBER,
    "reasoning_effort": LABEL,
    "reasoning_summary": LABEL,
    "reasoning_mode": LABEL,
    "reasoning_context": LABEL,
    "verbosity": LABEL,
}
LIMITS = {"endpoint": MAX_ENDPOINT, "model": MAX_MODEL, "title": MAX_TITLE}


def preset_book_id(user_id: UUID) -> UUID:
    return uuid5(_NAMESPACE, str(user_id))


class PresetBook(Aggregate):
    user_id: UUID
    presets: dict[str, dict[str, Any]]

    @classmethod
    def open(cls, user_id: UUID) -> PresetBook:
        book = cls(preset_book_id(user_id))
        book.user_id, book.presets = user_id, {}
        return book

    def save(
        self,
        preset_id: str,
        fields: dict[str, Any],
        default: bool | None = None,
        new_preset_id: str | None = None,
    ) -> dict[str, Any]:
        """`fields`: the preset fields sent (others are kept); `default`: LibreChat's
        `defaultPreset` (None: not sent). Returns the preset as saved."""
        preset_id = check_preset_id(preset_id)
        target = check_preset_id(new_preset_id) if new_preset_id else preset_id
        if preset_id not in self.presets and len(self.presets) >= MAX_PRESETS:
            raise Invalid(f"at most {MAX_PRESETS} presets can be saved")
        preset = {**self.presets.get(preset_id, {"title": "New Chat"}), **check_preset(fields)}
        if default:
            preset.update(defaultPreset=True, order=0)
            self._clear_default(except_id=preset_id)
        elif default is False:
            preset.pop("defaultPreset", None)
            preset.pop("order", None)
        replaces = preset_id if target != preset_id else None
        if replaces and target in self.presets:
            self._record(PresetsDeleted, user_id=self.user_id, preset_ids=[target])
        self._record(
            PresetSaved, user_id=self.user_id, preset_id=target, preset=preset, replaces=replaces
        )
        return self.presets[target]

    def delete(self, preset_id: str | None) -> int:
        """One preset, or all of them when `preset_id` is empty; how many went."""
        ids = [preset_id] if preset_id else sorted(self.presets)
        gone = [i for i in ids if i in self.presets]
        if gone:
            self._record(PresetsDeleted, user_id=self.user_id, preset_ids=gone)
        return len(gone)

    def _clear_default(self, except_id: str) -> None:
        for other, preset in self.presets.items():
            if other != except_id and preset.get("defaultPreset"):
                self._record(PresetDefaultCleared, user_id=self.user_id, preset_id=other)

    @applies(PresetSaved)
    def _saved(self, event: PresetSaved) -> None:
        self.user_id = event.user_id
        presets = dict(getattr(self, "presets", {}))
        if event.replaces:
            presets.pop(event.replaces, None)
        presets[event.preset_id] = dict(event.preset)
        self.presets = presets

    @applies(PresetDefaultCleared)
    def _default_cleared(self, event: PresetDefaultCleared) -> None:
        preset = dict(self.presets.get(event.preset_id, {}))
        preset.pop("defaultPreset", None)
        preset.pop("order", None)
        self.presets = {**self.presets, event.preset_id: preset}

    @applies(PresetsDeleted)
    def _deleted(self, event: PresetsDeleted) -> None:
        self.user_id = event.user_id
        gone = set(event.preset_ids)
        self.presets = {k: v for k, v in getattr(self, "presets", {}).items() if k not in gone}


def check_preset_id(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise Invalid("presetId must be a non-empty string")
    return check_text("presetId", value, MAX_PRESET_ID)


def check_preset(fields: dict[str, Any]) -> dict[str, Any]:
    """The declared fields only, each of its kind; `tools` as LibreChat keeps them (plugin
    keys: a `{pluginKey}` object becomes its key, anything else is dropped)."""
    checked: dict[str, Any] = {}
    for name, value in fields.items():
        kind = FIELDS.get(name)
        if kind is None:
            continue
        checked[name] = None if value is None else _checked(name, kind, value)
    return checked


def _checked(name: str, kind: str, value: Any) -> Any:
    if name == "tools":
        return _tools(value)
    if kind in (TEXT, LABEL):
        return check_text(name, value, LIMITS.get(name, MAX_LABEL) if kind == LABEL else None)
    if kind == NUMBER and not (isinstance(value, int | float) and not isinstance(value, bool)):
        raise Invalid(f"{name} must be a number")
    if kind == FLAG and not isinstance(value, bool):
        raise Invalid(f"{name} must be a boolean")
    if kind == LABELS:
        if not isinstance(value, list):
            raise Invalid(f"{name} must be a list of strings")
        return [check_text(name, v, MAX_LABEL) for v in value]
    if kind == ANY_LIST and not isinstance(value, list):
        raise Invalid(f"{name} must be a list")
    return value


def _tools(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise Invalid("tools must be a list")
    keys = [t.get("pluginKey") if isinstance(t, dict) and t.get("pluginKey") else t for t in value]
    return [check_text("tools", k, MAX_LABEL) for k in keys if isinstance(k, str)]
