"""One user's event that a read model cannot store holds nobody else back (issue 9, 2b):
the projection parks it, serves everyone else, and /metrics counts it."""

from __future__ import annotations

import uuid

from domain.conversations.conversation import Conversation
from domain.conversations.rules import NO_PARENT
from tests.e2e.conftest import PASSWORD, Api
from tests.records import commit_overflowing_message


def test_a_message_no_read_model_can_store_does_not_hold_back_other_users(api: Api) -> None:
    # Given a message with a token count beyond 64 bits, recorded straight into the store (as
    # events recorded before validation caught them are)
    store = api.container.stores["conversations"]
    commit_overflowing_message(store)
    # When another user then writes a message and reads the conversation back
    api.register("other@example.com")
    login = api.client.post(
        "/api/auth/login", json={"email": "other@example.com", "password": PASSWORD}
    )
    user_id = uuid.UUID(login.json()["user"]["id"])
    theirs = Conversation.start(uuid.uuid4(), user_id)
    message = theirs.post(uuid.uuid4(), NO_PARENT, sender="User", is_created_by_user=True)
    store.commit(theirs, actor=user_id)
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    response = api.client.get(f"/api/messages/{theirs.id}", headers=headers)
    # Then it is served (not a wait for a projection stuck behind the first message)
    assert response.status_code == 200, response.text
    assert [m["messageId"] for m in response.json()] == [str(message.message_id)]
    # ... and the metrics say the transcript parked one event
    metrics = api.client.get("/metrics").text
    assert (
        'chronicle_projection_parked_events{context="conversations",generation="1",'
        'projection="transcript"} 1.0'
    ) in metrics
