"""HTTP through the real Litestar app, on SQLite (embedded) and PostgreSQL + Redis."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from api.app import create_app

PASSWORD = "correct horse battery"


class Api:
    """A test client plus the container behind it, with small helpers for common steps."""

    def __init__(self, client: TestClient[Any], container: Any) -> None:
        self.client = client
        self.container = container

    def register(self, email: str, name: str = "Test User") -> Any:
        return self.client.post(
            "/api/auth/register",
            json={"name": name, "email": email, "password": PASSWORD, "confirm_password": PASSWORD},
        )

    def login(self, email: str) -> dict[str, str]:
        response = self.client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    def user(self, email: str) -> dict[str, str]:
        self.register(email)
        return self.login(email)

    def user_id(self, headers: dict[str, str]) -> str:
        """The signed-in user's id, as `GET /api/user` answers it."""
        return str(self.client.get("/api/user", headers=headers).json()["id"])

    def events(self, context: str = "identity") -> int:
        return int(self.container.stores[context].head())


@pytest.fixture(params=["sqlite", "distributed"])
def api(request: pytest.FixtureRequest, container_for: Callable[..., Any]) -> Iterator[Api]:
    container = container_for(request.param, workers=True)
    with TestClient(create_app(container)) as client:
        yield Api(client, container)


@pytest.fixture
def embedded_api(container_for: Callable[..., Any]) -> Iterator[Api]:
    container = container_for("sqlite", workers=True)
    with TestClient(create_app(container)) as client:
        yield Api(client, container)


@pytest.fixture
def api_for(container_for: Callable[..., Any]) -> Iterator[Callable[..., Api]]:
    """api_for("sqlite" | "distributed", **settings overrides), for tests that need a setting."""
    with contextlib.ExitStack() as stack:

        def build(mode: str, **overrides: object) -> Api:
            container = container_for(mode, workers=True, **overrides)
            client = stack.enter_context(TestClient(create_app(container)))
            return Api(client, container)

        yield build
