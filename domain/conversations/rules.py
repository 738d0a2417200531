"""LibreChat's limits and vocabularies for conversations and messages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from domain.shared.errors import Invalid

NO_PARENT = UUID("00000000-0000-0000-0000-000000000000")
DEFAULT_TITLE = "New Chat"
MAX_TITLE = 1024
MAX_FEEDBACK_TEXT = 1024
# The read models' column sizes: a value beyond them would be accepted here and then fail in
# the projection on every retry, stalling it for every user. LibreChat sets no limits of its own.
MAX_SENDER = 200
MAX_MODEL = 200
MAX_ENDPOINT = 100
MAX_TAG = 100
MAX_TOKEN_COUNT = 2**31 - 1  # an INTEGER column: 32 bits on PostgreSQL
MAX_POSITION = 2**31 - 1
# LibreChat's default `temporaryChatRetention` (DEFAULT_RETENTION_HOURS: 30 days).
TEMPORARY_CHAT_RETENTION = timedelta(hours=720)

FEEDBACK_TAGS = {
    "thumbsDown": {
        "not_matched",
        "inaccurate",
        "bad_style",
        "missing_image",
        "unjustified_refusal",
        "not_helpful",
        "other",
    },
    "thumbsUp": {
        "accurate_reliable",
        "creative_solution",
        "clear_well_written",
        "attention_to_detail",
    },
}


def check_text(name: str, value: object, limit: int | None = None) -> str:
    """A string the read models can store: PostgreSQL's text types refuse NUL characters."""
    if not isinstance(value, str):
        raise Invalid(f"{name} must be a string")
    if limit is not None and len(value) > limit:
        raise Invalid(f"{name} must be at most {limit} characters")
    if "\x00" in value:
        raise Invalid(f"{name} must not contain NUL characters")
    return value


def storable(text: str) -> str:
    """What a model emits may hold NUL, which the transcript refuses: the stream and the
    recorded answer carry U+FFFD in its place, so they still match."""
    return text.replace("\x00", "\ufffd")


def check_optional(name: str, value: object, limit: int) -> str | None:
    return None if value is None else check_text(name, value, limit)


def check_count(name: str, value: object, limit: int = MAX_TOKEN_COUNT) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= limit:
        raise Invalid(f"{name} must be an integer from 0 to {limit}")
    return value


def check_content(content: object) -> list[dict[str, Any]] | None:
    """Content parts are free-form JSON, but their text ends up in the text column (edits
    join them), so no string in them may hold a NUL."""
    if content is None:
        return None
    if not isinstance(content, list) or not all(isinstance(p, dict) for p in content):
        raise Invalid("content must be a list of objects")
    if _has_nul(content):
        raise Invalid("content must not contain NUL characters")
    return content


def check_extra(extra: object) -> dict[str, Any]:
    """A message's other fields (files, attachments, iconURL, usage): a JSON object kept as
    sent, in a JSON column that refuses NUL too."""
    if extra is None:
        return {}
    if not isinstance(extra, dict):
        raise Invalid("extra fields must be an object")
    if _has_nul(extra):
        raise Invalid("message fields must not contain NUL characters")
    return extra


def _has_nul(value: object) -> bool:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def clean_title(title: object) -> str:
    value = check_text("title", title).strip()
    if not value:
        raise Invalid("title cannot be empty")
    if len(value) > MAX_TITLE:
        raise Invalid(f"title must be at most {MAX_TITLE} characters")
    return value


def check_feedback(feedback: object) -> dict[str, Any] | None:
    """`{rating, tag, text?}` with the tag matching the rating's direction, or None."""
    if feedback is None:
        return None
    if not isinstance(feedback, dict):
        raise Invalid("Invalid feedback")
    rating, tag, text = feedback.get("rating"), feedback.get("tag"), feedback.get("text")
    if rating not in FEEDBACK_TAGS:
        raise Invalid("Invalid feedback")
    if tag is not None and tag not in FEEDBACK_TAGS[rating]:
        raise Invalid("Invalid feedback")
    if text is not None and (
        not isinstance(text, str) or len(text) > MAX_FEEDBACK_TEXT or "\x00" in text
    ):
        raise Invalid("Invalid feedback")
    return {k: v for k, v in (("rating", rating), ("tag", tag), ("text", text)) if v is not None}


def clean_tags(tags: object) -> list[str]:
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise Invalid("tags must be a list of strings")
    seen: list[str] = []
    for tag in (clean_tag(t) for t in tags):
        if tag not in seen:
            seen.append(tag)
    return seen


def clean_tag(tag: object) -> str:
    value = tag.strip() if isinstance(tag, str) else ""
    if not 1 <= len(value) <= MAX_TAG:
        raise Invalid(f"a tag must have 1 to {MAX_TAG} characters")
    return check_text("tag", value)
