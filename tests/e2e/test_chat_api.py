"""The resumable generation protocol over HTTP and SSE, on both run modes."""

from __future__ import annotations

import threading
from typing import Any

from httpx_sse import EventSource

from application.chat.catalog import Endpoint
from infrastructure.chat.echo import EchoModel
from infrastructure.chat.openai import OpenAIModel
from tests.e2e.conftest import Api
from tests.fakes.provider_server import running_provider_server
from tests.streaming import until_text_streamed

ROOT = "00000000-0000-0000-0000-000000000000"


def _start(
    api: Api, headers: dict[str, str], text: str, endpoint: str = "echo", **extra: Any
) -> dict[str, Any]:
    response = api.client.post(
        f"/api/agents/chat/{endpoint}",
        headers=headers,
        json={"text": text, "conversationId": None, "parentMessageId": ROOT, **extra},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def _read(
    api: Api, headers: dict[str, str], stream_id: str, query: str = ""
) -> list[tuple[str, dict[str, Any]]]:
    with api.client.stream(
        "GET", f"/api/agents/chat/stream/{stream_id}{query}", headers=headers
    ) as stream:  # EventSource checks the text/event-stream content type
        return [(sse.event, sse.json()) for sse in EventSource(stream).iter_sse()]


def _slow(api: Api) -> None:
    api.container.chat.catalog.add(Endpoint("slow", EchoModel(0.05), ["slow"], label="Slow"))


# 30 words at 0.05 s each: 1.5 s of headroom to stop it mid-stream on a loaded machine
LONG_TEXT = " ".join(f"w{n}" for n in range(30))


def _wait_for_text(api: Api, stream_id: str) -> None:
    """Until the generation has streamed some text: what a user sees before pressing stop.
    The test client buffers a response whole, so this reads the stream bus in the app's loop."""
    api.client.blocking_portal.call(until_text_streamed, api.container.chat.bus, stream_id)


def _openai(api: Api, url: str) -> None:
    api.container.chat.catalog.add(
        Endpoint("openAI", OpenAIModel("sk-test", f"{url}/v1", timeout=5), ["gpt-4o"])
    )


def test_a_new_turn_streams_librechat_frames(api: Api) -> None:
    me = api.user("chat@example.com")
    started = _start(api, me, "tell me a story")
    assert started["status"] == "started" and started["generationProtocolVersion"] == 2
    frames = _read(api, me, started["streamId"])
    kinds = [d.get("event") or next(iter(d)) for _, d in frames]
    assert kinds[0] == "created" and kinds[1] == "on_run_step" and "title" in kinds
    assert kinds[-1] == "final"
    final = frames[-1][1]
    assert final["responseMessage"]["text"] == "Echo: tell me a story"
    assert final["responseMessage"]["parentMessageId"] == final["requestMessage"]["messageId"]
    title = api.client.get(f"/api/convos/gen_title/{started['conversationId']}", headers=me)
    assert title.json() == {"title": "tell me a story"}


def test_a_follow_up_continues_the_thread(api: Api) -> None:
    me = api.user("followup@example.com")
    first = _read(api, me, _start(api, me, "first")["streamId"])[-1][1]
    response = api.client.post(
        "/api/agents/chat/echo",
        headers=me,
        json={
            "text": "second",
            "conversationId": first["conversation"]["conversationId"],
            "parentMessageId": first["responseMessage"]["messageId"],
        },
    )
    final = _read(api, me, response.json()["streamId"])[-1][1]
    messages = api.client.get(
        f"/api/messages/{first['conversation']['conversationId']}", headers=me
    ).json()
    assert [m["text"] for m in messages] == ["first", "Echo: first", "second", "Echo: second"]
    assert final["requestMessage"]["parentMessageId"] == first["responseMessage"]["messageId"]


def test_abort_mid_stream_keeps_partial_text(api: Api) -> None:
    me = api.user("abort@example.com")
    _slow(api)
    started = _start(api, me, LONG_TEXT, endpoint="slow")
    _wait_for_text(api, started["streamId"])
    aborted = api.client.post(
        "/api/agents/chat/abort", headers=me, json={"streamId": started["streamId"]}
    )
    assert aborted.json()["success"] is True
    final = _read(api, me, started["streamId"])[-1][1]
    assert final["aborted"] is True and final["responseMessage"]["unfinished"] is True
    saved = api.client.get(f"/api/messages/{started['conversationId']}", headers=me).json()
    assert saved[-1]["unfinished"] is True and saved[-1]["text"]
    assert api.client.get("/api/agents/chat/active", headers=me).json() == {"activeJobIds": []}


def test_resume_after_disconnect_gets_sync_then_the_rest(api: Api) -> None:
    me = api.user("resume@example.com")
    _slow(api)
    started = _start(api, me, "one two three four five six", endpoint="slow")
    status = api.client.get(
        f"/api/agents/chat/status/{started['conversationId']}", headers=me
    ).json()
    assert status["active"] is True
    assert (
        started["streamId"]
        in api.client.get("/api/agents/chat/active", headers=me).json()["activeJobIds"]
    )
    frames = _read(api, me, started["streamId"], "?resume=true")
    assert "sync" in frames[0][1] and frames[-1][1]["final"] is True


def test_a_duplicate_start_attaches_instead_of_starting_again(api: Api) -> None:
    me = api.user("dupe@example.com")
    _slow(api)
    first = _start(api, me, "only once", endpoint="slow", clientRequestId="client-req-1")
    second = _start(api, me, "only once", endpoint="slow", clientRequestId="client-req-1")
    assert second["status"] == "resumed" and second["streamId"] == first["streamId"]
    _read(api, me, first["streamId"])
    messages = api.client.get(f"/api/messages/{first['conversationId']}", headers=me).json()
    assert len(messages) == 2


def test_a_provider_error_is_an_error_frame_and_the_question_stays(api: Api) -> None:
    me = api.user("errors@example.com")
    with running_provider_server() as url:
        _openai(api, url)
        started = _start(api, me, "please [[error:500]]", endpoint="openAI", model="gpt-4o")
        frames = _read(api, me, started["streamId"])
    assert frames[-1][0] == "error" and "500" in frames[-1][1]["error"]
    saved = api.client.get(f"/api/messages/{started['conversationId']}", headers=me).json()
    assert [m["text"] for m in saved] == ["please [[error:500]]"]


def test_someone_elses_stream_is_404(api: Api) -> None:
    owner = api.user("streamer@example.com")
    started = _start(api, owner, "mine")
    other = api.user("lurker@example.com")
    response = api.client.get(f"/api/agents/chat/stream/{started['streamId']}", headers=other)
    assert response.status_code == 404 and response.json()["error"] == "Stream not found"
    assert (
        api.client.post(
            "/api/agents/chat/abort", headers=other, json={"streamId": started["streamId"]}
        ).status_code
        == 404
    )
    _read(api, owner, started["streamId"])


def test_two_readers_see_the_same_stream(api: Api) -> None:
    me = api.user("two@example.com")
    _slow(api)
    started = _start(api, me, "shared stream here", endpoint="slow")
    results: list[Any] = []
    reader = threading.Thread(target=lambda: results.append(_read(api, me, started["streamId"])))
    reader.start()
    mine = _read(api, me, started["streamId"])
    reader.join(timeout=30)
    assert (
        results
        and results[0][-1][1]["responseMessage"]["text"] == mine[-1][1]["responseMessage"]["text"]
    )


def _messages(api: Api, headers: dict[str, str], conversation_id: str) -> list[dict[str, Any]]:
    response = api.client.get(f"/api/messages/{conversation_id}", headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json())


def test_regenerate_adds_a_sibling_answer_to_the_same_question(api: Api) -> None:
    me = api.user("regen@example.com")
    first = _read(api, me, _start(api, me, "say it twice")["streamId"])[-1][1]
    cid, question = first["conversation"]["conversationId"], first["requestMessage"]["messageId"]
    again = api.client.post(
        "/api/agents/chat/echo",
        headers=me,
        json={
            "text": "say it twice",
            "conversationId": cid,
            "parentMessageId": question,
            "overrideParentMessageId": question,
            "isRegenerate": True,
        },
    )
    final = _read(api, me, again.json()["streamId"])[-1][1]
    assert final["requestMessage"]["messageId"] == question
    answers = [m for m in _messages(api, me, cid) if not m["isCreatedByUser"]]
    assert len(answers) == 2 and {a["parentMessageId"] for a in answers} == {question}
    assert len({a["messageId"] for a in answers}) == 2
    # the question was not posted again
    assert sum(m["isCreatedByUser"] for m in _messages(api, me, cid)) == 1


def test_editing_a_question_branches_from_its_parent(api: Api) -> None:
    me = api.user("edit@example.com")
    first = _read(api, me, _start(api, me, "original question")["streamId"])[-1][1]
    cid = first["conversation"]["conversationId"]
    # LibreChat's "save & submit" sends the edited text under the original's parent
    edited = api.client.post(
        "/api/agents/chat/echo",
        headers=me,
        json={"text": "edited question", "conversationId": cid, "parentMessageId": ROOT},
    )
    final = _read(api, me, edited.json()["streamId"])[-1][1]
    assert final["responseMessage"]["text"] == "Echo: edited question"
    messages = _messages(api, me, cid)
    questions = [m for m in messages if m["isCreatedByUser"]]
    assert [q["parentMessageId"] for q in questions] == [ROOT, ROOT]
    assert {q["text"] for q in questions} == {"original question", "edited question"}
    by_parent = {m["parentMessageId"]: m["text"] for m in messages if not m["isCreatedByUser"]}
    assert by_parent == {q["messageId"]: "Echo: " + q["text"] for q in questions}


def test_continue_grows_the_unfinished_answer_in_place(api: Api) -> None:
    me = api.user("continue@example.com")
    _slow(api)
    started = _start(api, me, LONG_TEXT, endpoint="slow")
    _wait_for_text(api, started["streamId"])
    api.client.post("/api/agents/chat/abort", headers=me, json={"streamId": started["streamId"]})
    partial = _read(api, me, started["streamId"])[-1][1]["responseMessage"]
    assert partial["unfinished"] is True
    cid = started["conversationId"]
    # The user edits the partial answer, then asks the model to continue it
    continued = api.client.post(
        "/api/agents/chat/slow",
        headers=me,
        json={
            "text": "",
            "conversationId": cid,
            "parentMessageId": partial["parentMessageId"],
            "responseMessageId": partial["messageId"],
            "isContinued": True,
            "editedContent": {"index": 0, "type": "text", "text": "Edited start."},
        },
    )
    assert continued.status_code == 200, continued.text
    final = _read(api, me, continued.json()["streamId"])[-1][1]
    assert final["responseMessage"]["messageId"] == partial["messageId"]
    assert final["responseMessage"]["text"].startswith("Edited start.")
    assert len(final["responseMessage"]["text"]) > len("Edited start.")
    answers = [m for m in _messages(api, me, cid) if not m["isCreatedByUser"]]
    assert len(answers) == 1 and answers[0]["text"] == final["responseMessage"]["text"]


def test_a_model_made_title_arrives_through_gen_title(api: Api) -> None:
    me = api.user("titles@example.com")
    with running_provider_server() as url:
        _openai(api, url)
        started = _start(api, me, "Name this chat", endpoint="openAI", model="gpt-4o")
        final = _read(api, me, started["streamId"])[-1][1]
        assert final["final"] is True
        title = api.client.get(f"/api/convos/gen_title/{started['conversationId']}", headers=me)
    assert title.status_code == 200 and title.json()["title"].startswith("Hello from openai")
    listed = api.client.get("/api/convos", headers=me).json()["conversations"]
    assert listed[0]["title"] == title.json()["title"]


def test_a_bad_edited_content_is_400(api: Api) -> None:
    me = api.user("badedit@example.com")
    response = api.client.post(
        "/api/agents/chat/echo",
        headers=me,
        json={"text": "x", "parentMessageId": ROOT, "editedContent": {"type": "image"}},
    )
    assert response.status_code == 400 and "error" in response.json()
