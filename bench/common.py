"""Shared bench helpers: a throwaway database, alternating rounds, medians and the table."""

from __future__ import annotations

import os
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg

ADMIN_URL = os.environ.get("CHRONICLE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def scratch_database() -> Iterator[str]:
    name = f"chronicle_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_threads(workers: int, seconds: float, work: Callable[[int], int]) -> float:
    """Run `work(worker_index)` repeatedly on `workers` threads for `seconds`; each call
    returns how many operations it did. Returns operations per second."""
    done = [0] * workers
    stop = time.monotonic() + seconds

    def loop(index: int) -> None:
        while time.monotonic() < stop:
            done[index] += work(index)

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(workers)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started)


@dataclass
class Row:
    scenario: str
    setting: str
    chronicle: float
    baseline: float
    unit: str
    higher_is_better: bool = True
    target: str = ""

    @property
    def ratio(self) -> float:
        return self.chronicle / self.baseline if self.baseline else float("nan")


def alternate(
    rounds: int, chronicle: Callable[[], float], baseline: Callable[[], float]
) -> tuple[float, float]:
    """Interleave the two so drift on a noisy machine hits both alike; return medians."""
    ours, theirs = [], []
    for _ in range(rounds):
        ours.append(chronicle())
        theirs.append(baseline())
    return statistics.median(ours), statistics.median(theirs)


def print_table(rows: list[Row], tool: str) -> None:
    print(f"\nload generator: {tool}")
    header = f"{'scenario':<22}{'setting':<22}{'chronicle':>14}{'baseline':>14}{'ratio':>9}  target"
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r.scenario:<22}{r.setting:<22}{r.chronicle:>14.1f}{r.baseline:>14.1f}"
            f"{r.ratio:>9.2f}  {r.target} ({r.unit})"
        )
