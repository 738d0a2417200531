"""`chronicle search reindex`: a new generation of the search documents is built beside the
serving one, searches keep answering from the old one until the switch, and the old
generation's full-text structures go with it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

NO_PARENT = UUID(int=0)


def _fill(container: Any, user: UUID, count: int) -> None:
    cid = uuid.uuid4()
    container.conversations.start(user, cid, title="Reindexed")
    for i in range(count):
        container.messages.post_message(
            user,
            cid,
            uuid.uuid4(),
            NO_PARENT,
            sender="User",
            is_created_by_user=True,
            text=f"ibis {i}",
        )


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_reindex_serves_searches_throughout(kind: str, container_for: Callable[..., Any]) -> None:
    container = container_for(kind)
    user = uuid.uuid4()
    _fill(container, user, 12)
    engine = container.projections
    engine.catch_up("search")
    assert len(container.search.messages(user, "ibis", 50).hits) == 12
    engine.batch_size = 3  # several batches: searches run between them
    generation = engine.start_rebuild("search")
    while engine.is_building("search"):
        assert len(container.search.messages(user, "ibis", 50).hits) == 12
        engine.catch_up_batch("search")
    assert engine.positions("search")
    assert len(container.search.messages(user, "ibis", 50).hits) == 12
    with container.db.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
    assert f"search_messages_g{generation}" in names
    assert f"search_messages_g{generation - 1}" not in names
    if kind == "sqlite":
        assert f"search_messages_g{generation - 1}_fts" not in names
        assert f"search_messages_g{generation}_fts" in names


def test_the_command_rebuilds_with_a_progress_bar(
    tmp_path: Any, container_for: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.cli import app

    container = container_for("sqlite")
    user = uuid.uuid4()
    _fill(container, user, 3)
    data_dir = container.settings.data_dir
    container.close()
    monkeypatch.setenv("CHRONICLE_DATA_DIR", data_dir)
    monkeypatch.chdir(tmp_path)  # no chronicle.yaml here
    result = CliRunner().invoke(app, ["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "rebuilding search" in result.output and "generation 2 (sqlite)" in result.output


def test_the_command_swaps_fresh_meilisearch_indexes_in(
    tmp_path: Any, container_for: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.cli import app
    from tests.fakes.meili_server import fake_meili

    with fake_meili() as (url, server):
        container = container_for(
            "sqlite", search_backend="meilisearch", meili_host=url, meili_index_prefix="cli_"
        )
        _fill(container, uuid.uuid4(), 3)
        container.projections.catch_up("search")
        server.indexes["cli_messages"].docs.clear()  # lost
        data_dir = container.settings.data_dir
        container.close()
        for name, value in {
            "CHRONICLE_DATA_DIR": data_dir,
            "MEILI_HOST": url,
            "CHRONICLE_MEILI_INDEX_PREFIX": "cli_",
        }.items():
            monkeypatch.setenv(name, value)
        monkeypatch.chdir(tmp_path)
        result = CliRunner().invoke(app, ["search", "reindex"])
        assert result.exit_code == 0, result.output
        assert "meilisearch: 4 documents indexed, indexes swapped" in result.output
        assert len(server.indexes["cli_messages"].docs) == 3
