"""The body of a chat turn, as LibreChat's client sends it (unknown fields are ignored)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import UNSET, UnsetType

from api.conversations.schemas import Endpoint, Model, Text
from api.strict import NO_NUL

Id = Annotated[str, msgspec.Meta(pattern=NO_NUL, max_length=128)]
RequestId = Annotated[str, msgspec.Meta(pattern=NO_NUL, min_length=1, max_length=128)]
Label = Annotated[str, msgspec.Meta(pattern=NO_NUL, max_length=1024)]
MaxTokens = Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]
Count = Annotated[int, msgspec.Meta(ge=0, le=2**31 - 1)]
# LibreChat's abort route refuses a target that is not a string of 1 to 512 characters.
Target = Annotated[str, msgspec.Meta(pattern=NO_NUL, min_length=1, max_length=512)]


class EditedContent(msgspec.Struct, kw_only=True):
    """The user's edit of the answer being continued: one text or think part."""

    type: str = "text"
    text: Text | None = None
    think: Text | None = None

    def value(self) -> str | None:
        if self.type not in ("text", "think"):
            return None
        return self.text if self.type == "text" else self.think


class ChatBody(msgspec.Struct, kw_only=True):
    text: Text = ""
    conversationId: Id | None = None
    parentMessageId: Id | None = None
    endpoint: Endpoint | None = None
    model: Model | None = None
    clientRequestId: RequestId | None = None
    isRegenerate: bool | None = None
    overrideParentMessageId: Id | None = None
    responseMessageId: Id | None = None
    overrideUserMessageId: Id | None = None
    isContinued: bool | None = None
    editedContent: EditedContent | None = None
    isTemporary: bool | None = None
    files: list[dict[str, Any]] | None = None  # kept on the user message, as LibreChat does
    chatProjectId: Id | None = None  # a new chat started inside this project
    # The preset fields a conversation keeps (UNSET: not sent, so not changed).
    promptPrefix: Text | UnsetType | None = UNSET
    temperature: float | UnsetType | None = UNSET
    max_tokens: MaxTokens | UnsetType | None = UNSET
    top_p: float | UnsetType | None = UNSET
    modelLabel: Label | UnsetType | None = UNSET
    agent_id: Id | UnsetType | None = UNSET
    spec: Label | UnsetType | None = UNSET
    iconURL: Label | UnsetType | None = UNSET
    # LibreChat's other conversation fields (packages/data-schemas/src/schema/defaults.ts)
    endpointType: Endpoint | UnsetType | None = UNSET
    chatGptLabel: Label | UnsetType | None = UNSET
    topP: float | UnsetType | None = UNSET
    topK: float | UnsetType | None = UNSET
    maxOutputTokens: Count | UnsetType | None = UNSET
    maxContextTokens: Count | UnsetType | None = UNSET
    presence_penalty: float | UnsetType | None = UNSET
    frequency_penalty: float | UnsetType | None = UNSET
    resendFiles: bool | UnsetType | None = UNSET
    imageDetail: Label | UnsetType | None = UNSET
    thinking: bool | UnsetType | None = UNSET
    thinkingBudget: Count | UnsetType | None = UNSET
    reasoning_effort: Label | UnsetType | None = UNSET
    stop: list[Label] | UnsetType | None = UNSET
    greeting: Text | UnsetType | None = UNSET
    instructions: Text | UnsetType | None = UNSET


class AbortBody(msgspec.Struct, kw_only=True):
    """Which generation to abort: its stream id, which is its conversation's id."""

    streamId: Target | None = None
    conversationId: Target | None = None

    def target(self) -> str:
        return self.streamId or self.conversationId or ""


SETTINGS_KEYS = (
    "promptPrefix",
    "temperature",
    "max_tokens",
    "top_p",
    "modelLabel",
    "agent_id",
    "spec",
    "iconURL",
    "endpointType",
    "chatGptLabel",
    "topP",
    "topK",
    "maxOutputTokens",
    "maxContextTokens",
    "presence_penalty",
    "frequency_penalty",
    "resendFiles",
    "imageDetail",
    "thinking",
    "thinkingBudget",
    "reasoning_effort",
    "stop",
    "greeting",
    "instructions",
)


def settings_of(body: ChatBody) -> dict[str, Any]:
    return {k: v for k in SETTINGS_KEYS if (v := getattr(body, k)) is not UNSET}
