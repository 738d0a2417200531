"""LibreChat's message routes beyond the transcript: the `messageId` filter, branching one
agent's part out of a parallel answer, artifact edits, and the fields the client reads."""

from __future__ import annotations

import uuid
from typing import Any

from tests.e2e.conftest import Api

ROOT = "00000000-0000-0000-0000-000000000000"
ARTIFACT = (
    'Here it is:\n:::artifact{identifier="calc" type="text/html" title="Calc"}\n'
    "```html\n<p>price: $5</p>\n```\n:::\nDone."
)


def _conversation(api: Api, me: dict[str, str]) -> str:
    body = {"text": "hello", "conversationId": None, "parentMessageId": ROOT}
    started = api.client.post("/api/agents/chat/echo", headers=me, json=body)
    assert started.status_code == 200, started.text
    cid: str = started.json()["conversationId"]
    with api.client.stream("GET", f"/api/agents/chat/stream/{cid}", headers=me) as stream:
        stream.read()
    return cid


def _post(api: Api, me: dict[str, str], cid: str, **fields: Any) -> Any:
    body = {"messageId": str(uuid.uuid4()), "parentMessageId": ROOT, **fields}
    return api.client.post(f"/api/messages/{cid}", headers=me, json=body)


def _parallel(api: Api, me: dict[str, str], cid: str) -> dict[str, Any]:
    question = _post(api, me, cid, text="compare").json()
    content = [
        {"type": "text", "text": "from A", "agentId": "agent_a", "groupId": 1},
        {"type": "text", "text": "from B", "agentId": "agent_b", "groupId": 1},
        {"type": "text", "text": "more A", "agentId": "agent_a", "groupId": 2},
    ]
    answer = _post(
        api,
        me,
        cid,
        parentMessageId=question["messageId"],
        sender="Agents",
        isCreatedByUser=False,
        content=content,
        attachments=[{"file_id": "f1", "type": "image"}],
        iconURL="https://example.com/a.png",
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_message_id_filter_returns_that_message_only(api: Api) -> None:
    me = api.user("filter@example.com")
    cid = _conversation(api, me)
    posted = _post(api, me, cid, text="pick me", files=[{"file_id": "x", "filename": "a.txt"}])
    mid = posted.json()["messageId"]
    found = api.client.get(
        "/api/messages", headers=me, params={"conversationId": cid, "messageId": mid}
    ).json()
    assert [m["text"] for m in found["messages"]] == ["pick me"] and found["nextCursor"] is None
    assert found["messages"][0]["files"] == [{"file_id": "x", "filename": "a.txt"}]
    for missing in (str(uuid.uuid4()), "not-a-uuid"):
        params = {"conversationId": cid, "messageId": missing}
        assert api.client.get("/api/messages", headers=me, params=params).json() == {
            "messages": [],
            "nextCursor": None,
        }
    other = api.user("filter-other@example.com")
    params = {"conversationId": cid, "messageId": mid}
    assert api.client.get("/api/messages", headers=other, params=params).status_code == 404


def test_branch_keeps_one_agents_parts(api: Api) -> None:
    me = api.user("brancher@example.com")
    cid = _conversation(api, me)
    source = _parallel(api, me, cid)
    made = api.client.post(
        "/api/messages/branch",
        headers=me,
        json={"messageId": source["messageId"], "agentId": "agent_a"},
    )
    assert made.status_code == 201, made.text
    branch = made.json()
    assert branch["content"] == [
        {"type": "text", "text": "from A"},
        {"type": "text", "text": "more A"},
    ]
    assert branch["parentMessageId"] == source["parentMessageId"]
    assert branch["messageId"] != source["messageId"] and branch["conversationId"] == cid
    assert branch["isCreatedByUser"] is False and branch["sender"] == "Agents"
    assert branch["attachments"] == [{"file_id": "f1", "type": "image"}]
    assert branch["iconURL"] == "https://example.com/a.png"
    transcript = api.client.get(f"/api/messages/{cid}", headers=me).json()
    assert branch["messageId"] in [m["messageId"] for m in transcript]


def test_branch_refusals_change_nothing(api: Api) -> None:
    me = api.user("branch-bad@example.com")
    cid = _conversation(api, me)
    source = _parallel(api, me, cid)
    plain = _post(api, me, cid, text="user words").json()
    answer = _post(api, me, cid, text="plain", isCreatedByUser=False, sender="AI").json()
    head = api.events("conversations")
    cases = [
        ({}, 400, "messageId and agentId are required"),
        ({"messageId": source["messageId"]}, 400, "messageId and agentId are required"),
        ({"messageId": 5, "agentId": "agent_a"}, 400, "messageId and agentId are required"),
        ({"messageId": "", "agentId": "agent_a"}, 400, "messageId and agentId are required"),
        ({"messageId": str(uuid.uuid4()), "agentId": "a"}, 404, "Source message not found"),
        ({"messageId": "nope", "agentId": "a"}, 404, "Source message not found"),
        ({"messageId": plain["messageId"], "agentId": "a"}, 400, "Cannot branch from user"),
        ({"messageId": answer["messageId"], "agentId": "a"}, 400, "Message does not have"),
        ({"messageId": source["messageId"], "agentId": "agent_z"}, 400, "No content found"),
        ({"messageId": source["messageId"], "agentId": "a\x00"}, 400, "messageId and agentId"),
    ]
    for body, status, error in cases:
        refused = api.client.post("/api/messages/branch", headers=me, json=body)
        assert refused.status_code == status, (body, refused.text)
        assert refused.json()["error"].startswith(error), (body, refused.json())
    other = api.user("branch-thief@example.com")
    stolen = {"messageId": source["messageId"], "agentId": "agent_a"}
    assert api.client.post("/api/messages/branch", headers=other, json=stolen).status_code == 404
    assert api.events("conversations") == head


def test_artifact_edit_rewrites_the_artifact(api: Api) -> None:
    me = api.user("artist@example.com")
    cid = _conversation(api, me)
    text_only = _post(api, me, cid, text=ARTIFACT, isCreatedByUser=False, sender="AI").json()
    edit = {"index": 0, "original": "<p>price: \\$5</p>", "updated": "<p>price: $6</p>"}
    done = api.client.post(
        f"/api/messages/artifact/{text_only['messageId']}", headers=me, json=edit
    )
    assert done.status_code == 200, done.text
    assert done.json()["conversationId"] == cid
    assert "<p>price: $6</p>" in done.json()["text"] and "$5" not in done.json()["text"]
    assert done.json()["text"].endswith(":::\nDone.")
    in_parts = _post(
        api,
        me,
        cid,
        text="",
        isCreatedByUser=False,
        sender="AI",
        content=[{"type": "think", "think": "hm"}, {"type": "text", "text": ARTIFACT}],
    ).json()
    done = api.client.post(f"/api/messages/artifact/{in_parts['messageId']}", headers=me, json=edit)
    assert done.status_code == 200, done.text
    assert "<p>price: $6</p>" in done.json()["content"][1]["text"]
    stored = api.client.get(
        "/api/messages",
        headers=me,
        params={"conversationId": cid, "messageId": in_parts["messageId"]},
    ).json()["messages"][0]
    assert "<p>price: $6</p>" in stored["content"][1]["text"]


def test_artifact_refusals_change_nothing(api: Api) -> None:
    me = api.user("artist-bad@example.com")
    cid = _conversation(api, me)
    message = _post(api, me, cid, text=ARTIFACT, isCreatedByUser=False, sender="AI").json()
    url = f"/api/messages/artifact/{message['messageId']}"
    head = api.events("conversations")
    good = {"index": 0, "original": "<p>", "updated": "<b>"}
    cases: list[tuple[str, Any, int, str]] = [
        (url, {}, 400, "Invalid request parameters"),
        (url, {**good, "index": -1}, 400, "Invalid request parameters"),
        (url, {**good, "index": "0"}, 400, "Invalid request parameters"),
        (url, {**good, "index": 0.5}, 400, "Invalid request parameters"),
        (url, {**good, "original": None}, 400, "Invalid request parameters"),
        (url, {**good, "updated": "x\x00"}, 400, "Invalid request parameters"),
        (url, {**good, "index": 1}, 400, "Artifact index out of bounds"),
        (url, {**good, "original": "absent"}, 400, "Original content not found in target artifact"),
        (f"/api/messages/artifact/{uuid.uuid4()}", good, 404, "Message not found"),
        ("/api/messages/artifact/nope", good, 404, "Message not found"),
    ]
    for target, body, status, error in cases:
        refused = api.client.post(target, headers=me, json=body)
        assert refused.status_code == status, (body, refused.text)
        assert refused.json()["error"] == error, (body, refused.json())
    other = api.user("artist-thief@example.com")
    assert api.client.post(url, headers=other, json=good).status_code == 404
    assert api.events("conversations") == head


def test_list_items_say_whether_shared_and_conversations_keep_model_settings(api: Api) -> None:
    me = api.user("settings@example.com")
    body = {
        "text": "hi",
        "conversationId": None,
        "parentMessageId": ROOT,
        "endpointType": "custom",
        "temperature": 0.3,
        "top_p": 0.9,
        "frequency_penalty": 0.5,
        "stop": ["END"],
    }
    started = api.client.post("/api/agents/chat/echo", headers=me, json=body).json()
    cid = started["conversationId"]
    with api.client.stream("GET", f"/api/agents/chat/stream/{cid}", headers=me) as stream:
        stream.read()
    convo = api.client.get(f"/api/convos/{cid}", headers=me).json()
    assert convo["endpointType"] == "custom" and convo["temperature"] == 0.3
    assert convo["top_p"] == 0.9 and convo["stop"] == ["END"]
    # a later turn changes what it sends and keeps the rest
    again = {
        "text": "again",
        "conversationId": cid,
        "parentMessageId": convo["messages"][-1],
        "temperature": 0.8,
    }
    assert api.client.post("/api/agents/chat/echo", headers=me, json=again).status_code == 200
    with api.client.stream("GET", f"/api/agents/chat/stream/{cid}", headers=me) as stream:
        stream.read()
    convo = api.client.get(f"/api/convos/{cid}", headers=me).json()
    assert convo["temperature"] == 0.8 and convo["frequency_penalty"] == 0.5
    head = api.events("conversations")
    orphan = {**again, "temperature": 0.1, "parentMessageId": str(uuid.uuid4())}
    assert api.client.post("/api/agents/chat/echo", headers=me, json=orphan).status_code == 400
    assert api.events("conversations") == head  # a refused turn changes no setting either
    listed = api.client.get("/api/convos", headers=me).json()["conversations"]
    assert [c["isShared"] for c in listed] == [False]
    bad = {**body, "temperature": "hot"}
    refused = api.client.post("/api/agents/chat/echo", headers=me, json=bad)
    assert refused.status_code == 400 and "temperature" in refused.json()["message"]


def test_a_turns_files_stay_on_its_user_message(api: Api) -> None:
    me = api.user("attacher@example.com")
    files = [{"file_id": "f-1", "filename": "notes.txt", "type": "text/plain"}]
    body = {"text": "read this", "conversationId": None, "parentMessageId": ROOT, "files": files}
    started = api.client.post("/api/agents/chat/echo", headers=me, json=body)
    assert started.status_code == 200, started.text
    cid = started.json()["conversationId"]
    with api.client.stream("GET", f"/api/agents/chat/stream/{cid}", headers=me) as stream:
        stream.read()
    question = api.client.get(f"/api/messages/{cid}", headers=me).json()[0]
    assert question["isCreatedByUser"] is True and question["files"] == files
    bad = {**body, "files": "notes.txt"}
    assert api.client.post("/api/agents/chat/echo", headers=me, json=bad).status_code == 400
