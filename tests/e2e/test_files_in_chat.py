"""Files in chat turns: the user message keeps its `files`, a vision model receives the image
(OpenAI and Anthropic formats, through their SDKs against the local fake server), and a
document's extracted text is sent as context (the echo model shows it offline)."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from httpx_sse import EventSource

from application.chat.catalog import Endpoint
from infrastructure.chat.anthropic import AnthropicModel
from infrastructure.chat.openai import OpenAIModel
from tests.e2e.conftest import Api
from tests.fakes import provider_server
from tests.fakes.provider_server import running_provider_server
from tests.files_support import pdf, png

ROOT = "00000000-0000-0000-0000-000000000000"


def _upload(api: Api, me: dict[str, str], name: str, data: bytes, mime: str) -> dict[str, Any]:
    route = "/api/files/images" if mime.startswith("image/") else "/api/files"
    form = {"file_id": str(uuid.uuid4()), "endpoint": "openAI", "width": "1", "height": "1"}
    answer = api.client.post(route, headers=me, data=form, files={"file": (name, data, mime)})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _turn(api: Api, me: dict[str, str], endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
    started = api.client.post(
        f"/api/agents/chat/{endpoint}",
        headers=me,
        json={"conversationId": None, "parentMessageId": ROOT, **body},
    )
    assert started.status_code == 200, started.text
    stream_id = started.json()["streamId"]
    with api.client.stream("GET", f"/api/agents/chat/stream/{stream_id}", headers=me) as s:
        frames = [sse.json() for sse in EventSource(s).iter_sse()]
    assert "final" in frames[-1], frames[-1]
    return dict(frames[-1])


def _sent() -> Any:
    """The last message of the turn's request (title requests, made after an answer, and
    perhaps after the next turn began, are skipped)."""
    turns = [p for p in provider_server.RECEIVED if "Title:" not in str(p["messages"][-1])]
    return turns[-1]["messages"][-1]["content"]


def _refs(*files: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"file_id": f["file_id"], "filepath": f["filepath"], "type": f["type"]} for f in files]


def test_image_and_pdf_reach_openai_and_anthropic(api: Api) -> None:
    me = api.user("vision@example.com")
    image = _upload(api, me, "chart.png", png(), "image/png")
    doc = _upload(api, me, "report.pdf", pdf("Revenue grew nine percent"), "application/pdf")
    stored_png = api.client.get(image["filepath"], headers=me).content
    with running_provider_server() as url:
        api.container.chat.catalog.add(
            Endpoint("openAI", OpenAIModel("sk-test", f"{url}/v1", timeout=5), ["gpt-4o"])
        )
        api.container.chat.catalog.add(
            Endpoint("anthropic", AnthropicModel("sk-ant", url, timeout=5), ["claude-x"])
        )
        provider_server.RECEIVED.clear()
        body = {"text": "summarise", "model": "gpt-4o", "files": _refs(image, doc)}
        final = _turn(api, me, "openAI", body)
        sent = _sent()
        assert sent[0]["type"] == "text" and "Revenue grew nine percent" in sent[0]["text"]
        assert sent[0]["text"].endswith("summarise")
        url_part = sent[1]["image_url"]["url"]
        assert url_part == "data:image/png;base64," + base64.b64encode(stored_png).decode()
        assert "Revenue grew nine percent" in final["responseMessage"]["text"]

        provider_server.RECEIVED.clear()  # the title request comes after the answer
        body = {"text": "describe", "model": "claude-x", "files": _refs(image)}
        _turn(api, me, "anthropic", body)
        sent = _sent()
        assert sent[0]["type"] == "image" and sent[0]["source"]["media_type"] == "image/png"
        assert base64.b64decode(sent[0]["source"]["data"]) == stored_png
        assert sent[-1] == {"type": "text", "text": "describe"}

    kept = final["requestMessage"]["files"]
    assert [f["file_id"] for f in kept] == [image["file_id"], doc["file_id"]]
    assert kept[0]["filename"] == "chart.png" and kept[0]["width"] == 64
    cid = final["conversation"]["conversationId"]
    saved = api.client.get(f"/api/messages/{cid}", headers=me).json()
    assert [f["file_id"] for f in saved[0]["files"]] == [image["file_id"], doc["file_id"]]
    listed = {f["file_id"]: f for f in api.client.get("/api/files", headers=me).json()}
    assert listed[doc["file_id"]]["usage"] == 1
    assert listed[doc["file_id"]]["conversationId"] == cid


def test_echo_sees_the_document_and_follow_ups_keep_it(api: Api) -> None:
    me = api.user("echo-docs@example.com")
    doc = _upload(api, me, "notes.txt", b"the secret word is marmalade", "text/plain")
    final = _turn(api, me, "echo", {"text": "what is it?", "files": _refs(doc)})
    assert "the secret word is marmalade" in final["responseMessage"]["text"]
    again = _turn(
        api,
        me,
        "echo",
        {
            "text": "and again?",
            "conversationId": final["conversation"]["conversationId"],
            "parentMessageId": final["responseMessage"]["messageId"],
        },
    )
    assert again["responseMessage"]["text"] == "Echo: and again?"


def test_someone_elses_file_is_not_sent(api: Api) -> None:
    owner = api.user("file-owner3@example.com")
    other = api.user("file-thief3@example.com")
    doc = _upload(api, owner, "private.txt", b"owner's private words", "text/plain")
    final = _turn(api, other, "echo", {"text": "read it", "files": _refs(doc)})
    assert "private words" not in final["responseMessage"]["text"]
    # kept as sent (LibreChat keeps a turn's files), with nothing read from the owner's upload
    assert final["requestMessage"]["files"] == _refs(doc)


def test_more_files_than_the_limit_is_refused(embedded_api: Api) -> None:
    api = embedded_api
    me = api.user("limit-chat@example.com")
    refs = [{"file_id": str(uuid.uuid4())} for _ in range(11)]
    answer = api.client.post(
        "/api/agents/chat/echo",
        headers=me,
        json={"text": "hi", "conversationId": None, "parentMessageId": ROOT, "files": refs},
    )
    assert answer.status_code == 400 and "Too many files" in answer.text


def test_a_shared_link_serves_the_files_of_its_messages(api: Api) -> None:
    me = api.user("share-files@example.com")
    viewer = api.user("share-viewer@example.com")
    image = _upload(api, me, "pic.png", png(), "image/png")
    doc = _upload(api, me, "memo.txt", b"memo body text", "text/plain")
    final = _turn(api, me, "echo", {"text": "look", "files": _refs(image, doc)})
    cid = final["conversation"]["conversationId"]
    created = api.client.post(f"/api/share/{cid}", headers=me, json={})
    assert created.status_code == 200, created.text
    share_id = created.json()["shareId"]
    shown = api.client.get(f"/api/share/{share_id}", headers=viewer).json()
    files = next(m["files"] for m in shown["messages"] if m.get("files"))
    paths = {f["file_id"]: f["filepath"] for f in files}
    assert paths[doc["file_id"]] == f"/api/share/{share_id}/files/{doc['file_id']}"

    inline = api.client.get(paths[image["file_id"]], headers=viewer)
    assert inline.status_code == 200 and inline.headers["content-type"] == "image/png"
    assert inline.headers["content-disposition"].startswith("inline")
    download = api.client.get(paths[doc["file_id"]] + "/download", headers=viewer)
    assert download.content == b"memo body text"
    assert download.headers["content-type"] == "application/octet-stream"
    preview = api.client.get(paths[doc["file_id"]] + "/preview", headers=viewer).json()
    assert preview["text"] == "memo body text"

    other = _upload(api, me, "other.txt", b"not shared", "text/plain")
    missing = api.client.get(f"/api/share/{share_id}/files/{other['file_id']}", headers=viewer)
    assert missing.status_code == 404
    assert missing.json() == {"message": "File not found in shared link"}
    assert api.client.get(paths[doc["file_id"]]).status_code == 401

    refs = [{"file_id": doc["file_id"], "filepath": doc["filepath"]}]
    api.client.request("DELETE", "/api/files", headers=me, json={"files": refs})
    gone = api.client.get(paths[doc["file_id"]], headers=viewer)
    assert gone.status_code == 404 and gone.json() == {"message": "File no longer available"}
