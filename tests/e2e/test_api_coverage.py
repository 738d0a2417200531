"""docs/api-coverage.md is kept honest: what it calls done or partial is served, and no LibreChat
path is answered by another route than its own (a fixed name taken for a parameter)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from litestar import Litestar
from litestar.exceptions import MethodNotAllowedException, NotFoundException

from api.app import create_app
from tests.e2e.conftest import Api

DOC = Path(__file__).resolve().parents[2] / "docs" / "api-coverage.md"
ROW = re.compile(r"^\|\s*(GET|POST|PUT|PATCH|DELETE)\s*\|\s*(/\S*)\s*\|\s*([^|]+?)\s*\|")
STATES = {"done", "partial", "not yet"}
SAMPLE = "zq1"  # a parameter value no fixed segment of ours is named


class Route(NamedTuple):
    method: str
    path: str
    state: str


def documented(text: str) -> list[Route]:
    return [Route(*m.groups()) for line in text.splitlines() if (m := ROW.match(line))]


def shape(path: str) -> tuple[str, ...]:
    """Segments with every parameter (`:name` here, `{name}` in Litestar) made alike."""
    return tuple("{}" if s.startswith((":", "{")) else s for s in path.strip("/").split("/"))


def matched(app: Litestar, route: Route) -> str | None:
    """The path template of the handler that answers this route, or None when none does."""
    concrete = "/".join(SAMPLE if s.startswith(":") else s for s in route.path.split("/"))
    try:
        return str(app.asgi_router.handle_routing(concrete, route.method)[4])  # type: ignore[arg-type]
    except (NotFoundException, MethodNotAllowedException):
        return None


@pytest.fixture(scope="module")
def routes() -> list[Route]:
    return documented(DOC.read_text(encoding="utf-8"))


@pytest.fixture
def app(container_for: Callable[..., Any]) -> Litestar:
    return create_app(container_for("sqlite"))


def test_coverage_doc_lists_each_route_once_with_a_known_state(routes: list[Route]) -> None:
    assert len(routes) > 150  # the parser read the tables, not nothing
    assert {r.state for r in routes} <= STATES
    keys = [(r.method, r.path) for r in routes]
    assert len(keys) == len(set(keys))


def unserved(app: Litestar, routes: list[Route]) -> list[str]:
    """Routes documented done or partial that no handler of their own path answers."""
    return [
        f"{r.method} {r.path}"
        for r in routes
        if r.state != "not yet" and shape(matched(app, r) or "/-none-") != shape(r.path)
    ]


def caught(app: Litestar, routes: list[Route]) -> list[str]:
    """Routes answered by a handler of another path shape (a fixed name taken for a parameter)."""
    return [
        f"{r.method} {r.path} -> {template}"
        for r in routes
        if (template := matched(app, r)) is not None and shape(template) != shape(r.path)
    ]


def test_routes_documented_as_served_are_served(app: Litestar, routes: list[Route]) -> None:
    assert unserved(app, routes) == []


def test_no_documented_path_is_caught_by_another_route(app: Litestar, routes: list[Route]) -> None:
    assert caught(app, routes) == []


def test_doc_check_reports_route_marked_done_when_not_served(app: Litestar) -> None:
    """The checks are not vacuous: an unserved route marked done, and a parameterised route
    standing in for a fixed one, are both reported."""
    marked = documented("| POST | /api/user/verify | done | |\n| GET | /api/convos | done | |")
    assert unserved(app, marked) == ["POST /api/user/verify"]
    fixed = documented("| GET | /api/convos/zq1 | not yet | |")
    assert caught(app, fixed) == ["GET /api/convos/zq1 -> /api/convos/{conversation_id}"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/agents/chat/resume",
        "/api/agents/chat/steer",
    ],
)
def test_fixed_path_not_served_yet_answers_404_message_and_records_nothing(
    embedded_api: Api, path: str
) -> None:
    assert embedded_api.client.post(path, json={}).status_code == 401  # as LibreChat: signed in
    headers = embedded_api.user("fixed@example.com")
    before = {c: embedded_api.events(c) for c in ("identity", "conversations")}
    response = embedded_api.client.post(path, json={"conversationId": "x"}, headers=headers)
    assert response.status_code == 404
    assert response.json()["message"].endswith("is not served yet")
    assert "Unknown endpoint" not in response.text
    assert {c: embedded_api.events(c) for c in before} == before
