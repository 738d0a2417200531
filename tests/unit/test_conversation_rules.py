"""What the read models can store: text, counts, content, tags and feedback checks."""

from __future__ import annotations

import pytest

from domain.conversations.rules import (
    MAX_TAG,
    check_content,
    check_count,
    check_feedback,
    check_optional,
    check_text,
    clean_tag,
    clean_tags,
    clean_title,
    storable,
)
from domain.shared.errors import Invalid


def test_text_with_a_nul_character_is_rejected() -> None:
    with pytest.raises(Invalid, match="sender must not contain NUL characters"):
        check_text("sender", "GPT\x00")


def test_text_over_its_limit_is_rejected() -> None:
    with pytest.raises(Invalid, match="model must be at most 3 characters"):
        check_text("model", "abcd", 3)


def test_text_that_is_not_a_string_is_rejected() -> None:
    with pytest.raises(Invalid, match="text must be a string"):
        check_text("text", 42)


def test_an_absent_optional_text_stays_absent() -> None:
    assert check_optional("endpoint", None, 10) is None
    assert check_optional("endpoint", "openAI", 10) == "openAI"


def test_storable_text_replaces_nul_with_the_replacement_character() -> None:
    assert storable("a\x00b") == "a\ufffdb"


@pytest.mark.parametrize("count", [-1, 2**31, True, 1.5, "3"])
def test_a_count_outside_a_32_bit_column_or_not_an_integer_is_rejected(count: object) -> None:
    with pytest.raises(Invalid, match="tokenCount must be an integer from 0 to"):
        check_count("tokenCount", count)


def test_a_count_at_the_bounds_is_accepted() -> None:
    assert check_count("tokenCount", 0) == 0
    assert check_count("tokenCount", 2**31 - 1) == 2**31 - 1
    assert check_count("tokenCount", None) is None


@pytest.mark.parametrize("content", ["text", [1], [{"type": "text"}, "x"]])
def test_content_that_is_not_a_list_of_objects_is_rejected(content: object) -> None:
    with pytest.raises(Invalid, match="content must be a list of objects"):
        check_content(content)


@pytest.mark.parametrize(
    "content",
    [
        [{"type": "text", "text": "a\x00"}],
        [{"type": "text", "text": {"value": ["deep", "de\x00ep"]}}],
        [{"ke\x00y": "value"}],
    ],
)
def test_content_with_a_nul_anywhere_is_rejected(content: object) -> None:
    with pytest.raises(Invalid, match="content must not contain NUL characters"):
        check_content(content)


def test_content_without_nul_is_kept_as_is() -> None:
    content = [{"type": "text", "text": {"value": "hi", "annotations": [1, None]}}]
    assert check_content(content) is content


@pytest.mark.parametrize("title", ["", "   "])
def test_a_blank_title_is_rejected(title: str) -> None:
    with pytest.raises(Invalid, match="title cannot be empty"):
        clean_title(title)


def test_a_title_is_measured_after_trimming() -> None:
    assert clean_title("  " + "x" * 1024 + "  ") == "x" * 1024


def test_feedback_keeps_only_the_fields_given() -> None:
    assert check_feedback({"rating": "thumbsUp", "tag": None, "text": None}) == {
        "rating": "thumbsUp"
    }
    assert check_feedback({"rating": "thumbsDown", "tag": "other", "text": "meh"}) == {
        "rating": "thumbsDown",
        "tag": "other",
        "text": "meh",
    }


def test_feedback_text_with_a_nul_is_rejected() -> None:
    with pytest.raises(Invalid, match="Invalid feedback"):
        check_feedback({"rating": "thumbsDown", "text": "bad\x00"})


def test_absent_feedback_clears_it() -> None:
    assert check_feedback(None) is None


def test_tags_are_trimmed_and_deduplicated_in_order() -> None:
    assert clean_tags([" work ", "home", "work"]) == ["work", "home"]


@pytest.mark.parametrize("tags", ["work", ["work", 3], None])
def test_tags_that_are_not_a_list_of_strings_are_rejected(tags: object) -> None:
    with pytest.raises(Invalid, match="tags must be a list of strings"):
        clean_tags(tags)


@pytest.mark.parametrize("tag", ["", "   ", "x" * (MAX_TAG + 1), 7])
def test_a_tag_outside_1_to_100_characters_is_rejected(tag: object) -> None:
    with pytest.raises(Invalid, match=f"a tag must have 1 to {MAX_TAG} characters"):
        clean_tag(tag)


def test_a_tag_with_a_nul_is_rejected() -> None:
    with pytest.raises(Invalid, match="tag must not contain NUL characters"):
        clean_tag("wo\x00rk")
