"""Export readers: LibreChat, ChatGPT and Claude files become the same conversation shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from application.conversations.importers import read_export
from domain.shared.errors import Invalid

FIXTURES = Path(__file__).parent.parent / "fixtures" / "imports"


def _read(name: str) -> object:
    return json.loads((FIXTURES / name).read_text())


def test_librechat_tree_keeps_both_sibling_answers() -> None:
    (convo,) = read_export(_read("librechat.json"))
    assert convo.title == "Rust lifetimes" and len(convo.messages) == 3
    question = convo.messages[0]
    answers = [m for m in convo.messages if m.parent_source_id == question.source_id]
    assert len(answers) == 2
    assert answers[0].text == "A scope for which a reference is valid."


def test_chatgpt_system_nodes_are_skipped_and_parents_relinked() -> None:
    (convo,) = read_export(_read("chatgpt.json"))
    assert [m.sender for m in convo.messages] == ["User", "ChatGPT"]
    assert convo.messages[0].parent_source_id is None
    assert convo.messages[1].parent_source_id == "u-1"
    assert convo.messages[1].model == "gpt-4o"


def test_claude_messages_chain_in_order() -> None:
    (convo,) = read_export(_read("claude.json"))
    assert convo.messages[1].parent_source_id == convo.messages[0].source_id
    assert convo.messages[1].text.startswith("Steam curls")


@pytest.mark.parametrize("data", [{}, [], [1, 2], {"version": 1, "history": []}, "text"])
def test_unknown_formats_are_rejected(data: object) -> None:
    with pytest.raises(Invalid):
        read_export(data)
