"""`make bench` (quick, a few minutes) or `make bench SCALE=full`: one table of ratios."""

from __future__ import annotations

import argparse

from bench import append, streaming
from bench.common import print_table, scratch_database


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--scale", choices=["quick", "full"], default="quick")
    args = parser.parse_args()
    quick = args.scale == "quick"
    seconds, rounds = (2.0, 3) if quick else (5.0, 5)
    rows = []
    with scratch_database() as url:
        rows += append.run(url, [1, 16, 64], seconds, rounds)
    rows += streaming.run([1, 100], 1 if quick else 3)
    print_table(
        rows,
        tool="append: Python threads (psycopg); streams: Python asyncio "
        "(httpx and the openai SDK) against separate server processes",
    )


if __name__ == "__main__":
    main()
