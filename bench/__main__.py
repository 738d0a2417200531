"""`make bench` (quick, a few minutes) or `make bench SCALE=full`: one table of ratios.
`python -m bench --only http` runs a subset (append, streaming, http, projection, memory,
revocation, snapshots, ledger, search)."""

from __future__ import annotations

import argparse

from bench import append, http, ledger, memory, projection, revocation, search, snapshots, streaming
from bench.common import Row, print_table, scratch_database

SCENARIOS = (
    "append",
    "http",
    "projection",
    "memory",
    "streaming",
    "revocation",
    "snapshots",
    "ledger",
    "search",
)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--scale", choices=["quick", "full"], default="quick")
    parser.add_argument("--only", action="append", choices=SCENARIOS, help="repeatable")
    args = parser.parse_args()
    quick = args.scale == "quick"
    only = set(args.only or SCENARIOS)
    seconds, rounds = (2.0, 3) if quick else (5.0, 5)
    rows: list[Row] = []
    tools: list[str] = []
    notes: list[str] = []
    if "append" in only:
        with scratch_database() as url:
            rows += append.run(url, [1, 16, 64], seconds, rounds)
        tools.append("append: Python threads (psycopg)")
    if "streaming" in only:
        rows += streaming.run([1, 100], 1 if quick else 3)
        tools.append(
            "streams: Python asyncio (httpx and the openai SDK) against separate server processes"
        )
    if "http" in only:
        http_rows, http_tool, notes = http.run(quick)
        rows += http_rows
        tools.append(http_tool)
    if "projection" in only:
        with scratch_database() as url:
            rows += projection.run(url, 20_000 if quick else 1_000_000, seconds)
        tools.append("projection/rebuild: in-process engine and Python threads")
    if "memory" in only:
        rows += memory.run(1000)
        tools.append("memory: Python asyncio (httpx) holding the streams")
    if "revocation" in only:
        rows += revocation.run(seconds, rounds)
        tools.append("revocation: in-process asyncio client through the whole app")
    if "snapshots" in only:
        with scratch_database() as url:
            rows += snapshots.run(url, 5000)
        tools.append("snapshots: in-process store loads (PostgreSQL)")
    if "ledger" in only:
        with scratch_database() as url:
            # the read model's catch-up takes most of the time: ~1 minute for 10k entries
            rows += ledger.run(url, 10_000 if quick else 100_000, 3 if quick else 5)
        tools.append("ledger: in-process audit (events) and SQL (PostgreSQL)")
    if "search" in only:
        scale = (100_000, 100, 300) if quick else (1_000_000, 1000, 1000)
        rows += search.run(*scale)
        tools.append("search: in-process queries through the SearchIndex port")
    print_table(rows, tool="; ".join(tools))
    for note in notes:
        print(f"note: {note}")


if __name__ == "__main__":
    main()
