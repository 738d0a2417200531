"""LibreChat's limits and vocabularies for conversations and messages."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.shared.errors import Invalid

NO_PARENT = UUID("00000000-0000-0000-0000-000000000000")
DEFAULT_TITLE = "New Chat"
MAX_TITLE = 1024
MAX_FEEDBACK_TEXT = 1024

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


def clean_title(title: object) -> str:
    if not isinstance(title, str):
        raise Invalid("title must be a string")
    value = title.strip()
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
    if text is not None and (not isinstance(text, str) or len(text) > MAX_FEEDBACK_TEXT):
        raise Invalid("Invalid feedback")
    return {k: v for k, v in (("rating", rating), ("tag", tag), ("text", text)) if v is not None}


def clean_tags(tags: object) -> list[str]:
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise Invalid("tags must be a list of strings")
    seen: list[str] = []
    for tag in (t.strip() for t in tags):
        if not tag or len(tag) > 100:
            raise Invalid("a tag must have 1 to 100 characters")
        if tag not in seen:
            seen.append(tag)
    return seen
