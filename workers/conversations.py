"""The retention sweep: temporary chats past their retention are removed on a schedule, in
every process that runs workers (the embedded process, `chronicle worker` processes). Several
running at once is harmless: each removal is decided by the conversation's aggregate."""

from __future__ import annotations

import logging
import threading

from application.conversations.retention import Retention

log = logging.getLogger("chronicle.retention")


class RetentionSweeper:
    """Runs `Retention.sweep` every `interval` seconds (and once at start)."""

    def __init__(self, retention: Retention, interval: float) -> None:
        self._retention = retention
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="retention-sweep", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            try:
                removed = self._retention.sweep()
                if removed:
                    log.info("removed %d expired temporary conversations", removed)
            except Exception:  # the database is down: the next round tries again
                log.warning("retention sweep failed", exc_info=True)
            if self._stop.wait(self._interval):
                return
