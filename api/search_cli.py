"""`chronicle search reindex` (LibreChat's `reset-meili-sync`): rebuild the search index from
the events, beside the one serving, then switch; searches keep answering meanwhile."""

from __future__ import annotations

import typer

search = typer.Typer(help="The search index.", no_args_is_help=True)


@search.command("reindex")
def search_reindex() -> None:
    """Rebuild the search documents from the events into a new generation (the FTS5 or
    tsvector index with them) and switch to it; with Meilisearch, then copy them into fresh
    indexes and swap those in."""
    from api.cli import _container, _progress, console, rebuild

    with _container() as container:
        name = "search"
        generation = rebuild(container, name)
        console.print(
            f"search documents: generation {generation} ({container.search.index.backend})"
        )
        feed = container.search_feed
        if feed is None:
            return
        with _progress() as progress:
            task = progress.add_task("meilisearch", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total or 1)

            copied = feed.reindex(advance)
        console.print(f"meilisearch: {copied} documents indexed, indexes swapped")
