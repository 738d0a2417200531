"""The Conversation aggregate: its message tree, owner checks and LibreChat's rules."""

from __future__ import annotations

import uuid

import pytest

from domain.conversations.conversation import Conversation
from domain.conversations.rules import NO_PARENT
from domain.shared.errors import Forbidden, Invalid, NotFound


def _conversation() -> Conversation:
    return Conversation.start(uuid.uuid4(), uuid.uuid4(), endpoint="openAI", model="gpt-4o")


def test_replaying_events_rebuilds_the_same_tree() -> None:
    # Given a conversation with a question, an answer and a regenerated sibling answer
    convo = _conversation()
    question, first, second = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    convo.post(question, NO_PARENT, sender="User", is_created_by_user=True, text="Hi")
    convo.post(first, question, sender="GPT-4o", is_created_by_user=False, text="Hello")
    convo.post(second, question, sender="GPT-4o", is_created_by_user=False, text="Hey")
    # When its events are folded into a fresh object
    replayed = Conversation.project(None, convo.collect_events())
    # Then the tree is the same, with both answers siblings under the question
    assert replayed is not None
    assert replayed.messages == convo.messages
    assert {
        m.message_id for m in replayed.ordered_messages() if m.parent_message_id == question
    } == {first, second}


def test_posting_under_an_unknown_parent_is_rejected() -> None:
    convo = _conversation()
    with pytest.raises(Invalid):
        convo.post(uuid.uuid4(), uuid.uuid4(), sender="User", is_created_by_user=True, text="x")
    assert convo.messages == {}


def test_reposting_the_same_message_is_a_no_op() -> None:
    convo = _conversation()
    message = uuid.uuid4()
    convo.post(message, NO_PARENT, sender="User", is_created_by_user=True, text="Hi")
    version = convo.version
    convo.post(message, NO_PARENT, sender="User", is_created_by_user=True, text="Hi")
    assert convo.version == version


def test_someone_elses_conversation_is_forbidden_and_a_deleted_one_not_found() -> None:
    convo = _conversation()
    with pytest.raises(Forbidden):
        convo.check_owner(uuid.uuid4())
    convo.delete()
    with pytest.raises(NotFound):
        convo.check_owner(convo.user_id)


@pytest.mark.parametrize(
    "feedback",
    [
        {"rating": "meh"},
        {"rating": "thumbsUp", "tag": "inaccurate"},
        {"rating": "thumbsDown", "text": "x" * 1025},
        "thumbsUp",
    ],
)
def test_invalid_feedback_is_rejected(feedback: object) -> None:
    convo = _conversation()
    message = uuid.uuid4()
    convo.post(message, NO_PARENT, sender="User", is_created_by_user=True, text="Hi")
    with pytest.raises(Invalid):
        convo.give_feedback(message, feedback)


def test_title_is_trimmed_and_bounded() -> None:
    convo = _conversation()
    convo.retitle("  Trip plans  ")
    assert convo.title == "Trip plans"
    with pytest.raises(Invalid):
        convo.retitle("x" * 1025)


def test_archiving_keeps_updated_at() -> None:
    convo = _conversation()
    before = convo.updated_at
    convo.archive(True)
    assert convo.archived_at is not None and convo.updated_at == before
