"""Commands over many conversations (delete all, archive all, tag rename/delete) never skip
a conversation because the read model is behind: they act on all of them, or answer 503."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from litestar.testing import TestClient

from api.app import create_app
from tests.e2e.conftest import Api
from tests.e2e.test_conversations_api import _chat


@contextlib.contextmanager
def _lagging(api: Api) -> Iterator[None]:
    """The conversation list stops following the store. SQLite: no workers run (the fixture
    starts none). PostgreSQL: a worker is stuck holding the projection's lock, so neither
    workers nor waiting requests can catch it up."""
    if api.container.db.dialect.name != "postgresql":
        yield
        return
    with api.container.db.begin() as conn:
        conn.execute(
            sa.text(
                "SELECT 1 FROM projection_state WHERE projection = 'conversation_list' FOR UPDATE"
            )
        )
        yield


@pytest.fixture(params=["sqlite", "distributed"])
def idle_api(request: pytest.FixtureRequest, container_for: Callable[..., Any]) -> Iterator[Api]:
    """No projection workers; read-your-writes gives up after 0.3 s."""
    container = container_for(request.param, workers=False, read_your_writes_timeout_s=0.3)
    with TestClient(create_app(container)) as client:
        yield Api(client, container)


def _catch_up(api: Api) -> None:
    api.container.projections.catch_up("conversation_list")


def _exists(api: Api, headers: dict[str, str], cid: str) -> bool:
    return api.client.get(f"/api/convos/{cid}", headers=headers).status_code == 200


def test_delete_all_with_a_lagging_list_is_503_and_deletes_nothing(idle_api: Api) -> None:
    api = idle_api
    me = api.user("bulk@example.com")
    ids = [_chat(api, me, f"chat {n}")["conversation"]["conversationId"] for n in range(3)]
    with _lagging(api):
        response = api.client.delete("/api/convos/all", headers=me)
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "1"
    assert "retry" in response.json()["message"]
    assert all(_exists(api, me, cid) for cid in ids)
    _catch_up(api)
    again = api.client.delete("/api/convos/all", headers=me)
    assert again.status_code == 201 and again.json()["deletedCount"] == 3
    assert not any(_exists(api, me, cid) for cid in ids)


def test_archive_all_with_a_lagging_list_is_503_and_archives_nothing(idle_api: Api) -> None:
    api = idle_api
    me = api.user("bulk@example.com")
    ids = [_chat(api, me, f"chat {n}")["conversation"]["conversationId"] for n in range(2)]
    with _lagging(api):
        response = api.client.post("/api/convos/archive/all", headers=me)
    assert response.status_code == 503, response.text
    convos = [api.client.get(f"/api/convos/{cid}", headers=me).json() for cid in ids]
    assert [c["isArchived"] for c in convos] == [False, False]
    _catch_up(api)
    again = api.client.post("/api/convos/archive/all", headers=me)
    assert again.status_code == 200 and again.json() == {"archivedCount": 2}


def test_deleting_a_tag_with_a_lagging_list_is_503_and_keeps_it(idle_api: Api) -> None:
    api = idle_api
    me = api.user("bulk@example.com")
    cid = _chat(api, me)["conversation"]["conversationId"]
    tagged = api.client.put(f"/api/tags/convo/{cid}", headers=me, json={"tags": ["work"]})
    assert tagged.status_code == 200, tagged.text
    with _lagging(api):
        response = api.client.delete("/api/tags/work", headers=me)
    assert response.status_code == 503, response.text
    _catch_up(api)
    assert [t["tag"] for t in api.client.get("/api/tags", headers=me).json()] == ["work"]
    assert api.client.get(f"/api/convos/{cid}", headers=me).json()["tags"] == ["work"]
    assert api.client.delete("/api/tags/work", headers=me).status_code == 200
    assert api.client.get(f"/api/convos/{cid}", headers=me).json()["tags"] == []
