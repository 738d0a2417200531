"""Processes that start together on a new database (an API and its workers) all come up."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from application.bootstrap import Container, bootstrap
from application.settings import load_settings


def test_three_processes_bootstrapping_at_once_on_a_new_database(
    settings_for: Callable[..., Any],
) -> None:
    settings = settings_for("postgres", postgres_pool_size=1, postgres_max_overflow=2)
    built: list[Container] = []
    errors: list[BaseException] = []
    gate = threading.Barrier(3)

    def start() -> None:
        gate.wait()
        try:
            built.append(bootstrap(settings))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert errors == []
        assert len(built) == 3
        assert all(c.ready() == {"database": True} for c in built)
    finally:
        for container in built:
            container.close()


def test_the_model_catalog_follows_the_given_settings_not_the_process_environment(
    container_for: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the process has an Anthropic key; the settings it was given name OpenAI only
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-from-the-process")
    endpoints = load_settings({"OPENAI_API_KEY": "sk-from-the-settings"}).endpoints
    container = container_for("sqlite", endpoints=endpoints)
    assert set(container.chat.catalog.endpoints) == {"echo", "openAI"}
