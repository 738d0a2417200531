"""A daemon thread that runs one piece of work every `interval` seconds until stopped: the
schedule behind the projection sweep and the retention sweep."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Periodic:
    """Runs `work` every `interval` seconds (first at once when `at_start`). `work` handles
    its own failures: one that raises ends the thread."""

    def __init__(
        self, name: str, interval: float, work: Callable[[], object], at_start: bool = False
    ) -> None:
        self._work = work
        self._interval = interval
        self._at_start = at_start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        if self._at_start:
            self._work()
        while not self._stop.wait(self._interval):
            self._work()
