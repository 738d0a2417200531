"""The distributed mode with RabbitMQ as its Dramatiq broker (CHRONICLE_BROKER_URL=amqp://)."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable

import pytest

from tests.conftest import IN_CI
from tests.e2e.conftest import Api
from tests.e2e.test_chat_api import _read, _start

AMQP_URL = os.environ.get("CHRONICLE_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672/")


@pytest.fixture
def amqp_url() -> str:
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=3).close()
    except OSError as error:
        if IN_CI:
            pytest.fail(f"RabbitMQ is unreachable: {error}", pytrace=False)
        pytest.skip(f"RabbitMQ is unreachable: {error}")
    return AMQP_URL


def test_a_chat_turn_is_projected_and_titled_through_rabbitmq(
    api_for: Callable[..., Api], amqp_url: str
) -> None:
    api = api_for("distributed", broker_url=amqp_url)
    me = api.user("rabbit@example.com")
    started = _start(api, me, "hop through the broker")
    assert _read(api, me, started["streamId"])[-1][1]["final"] is True
    title = api.client.get(f"/api/convos/gen_title/{started['conversationId']}", headers=me)
    assert title.status_code == 200 and title.json()["title"]
    listed = api.client.get("/api/convos", headers=me).json()["conversations"]
    assert [c["conversationId"] for c in listed] == [started["conversationId"]]
