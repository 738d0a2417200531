"""The retention sweep: temporary chats past their retention are removed on a schedule, in
every process that runs workers (the embedded process, `chronicle worker` processes). Several
running at once is harmless: each removal is decided by the conversation's aggregate."""

from __future__ import annotations

import logging

from application.conversations.retention import Retention
from workers.periodic import Periodic

log = logging.getLogger("chronicle.retention")


class RetentionSweeper(Periodic):
    """Runs `Retention.sweep` every `interval` seconds (and once at start)."""

    def __init__(self, retention: Retention, interval: float) -> None:
        self._retention = retention
        super().__init__("retention-sweep", interval, self._sweep, at_start=True)

    def _sweep(self) -> None:
        try:
            removed = self._retention.sweep()
            if removed:
                log.info("removed %d expired temporary conversations", removed)
        except Exception:  # the database is down: the next round tries again
            log.warning("retention sweep failed", exc_info=True)
