"""Tag answers as LibreChat's client reads them: creation is 200, and every tag document carries
its conversation `count`."""

from __future__ import annotations

from tests.e2e.conftest import Api
from tests.e2e.test_conversations_api import _chat


def test_tag_answers_are_200_with_count_when_created_renamed_or_deleted(api: Api) -> None:
    me = api.user("counts@example.com")
    cid = _chat(api, me)["conversation"]["conversationId"]
    created = api.client.post(
        "/api/tags",
        headers=me,
        json={"tag": "work", "addToConversation": True, "conversationId": cid},
    )
    assert created.status_code == 200 and created.json()["count"] == 1
    alone = api.client.post("/api/tags", headers=me, json={"tag": "later"})
    assert alone.status_code == 200 and alone.json()["count"] == 0
    renamed = api.client.put("/api/tags/work", headers=me, json={"tag": "job"})
    assert renamed.status_code == 200
    assert (renamed.json()["tag"], renamed.json()["count"]) == ("job", 1)
    described = api.client.put("/api/tags/later", headers=me, json={"description": "soon"})
    assert described.json()["count"] == 0
    deleted = api.client.delete("/api/tags/job", headers=me)
    assert deleted.status_code == 200
    assert (deleted.json()["tag"], deleted.json()["count"]) == ("job", 1)
    assert [t["tag"] for t in api.client.get("/api/tags", headers=me).json()] == ["later"]
