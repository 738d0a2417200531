"""The distributed-mode worker process: Dramatiq consumers plus the projection sweep."""

from __future__ import annotations

import logging
import signal
import threading

from application.bootstrap import bootstrap
from application.settings import Settings

log = logging.getLogger(__name__)


def run(settings: Settings | None = None, threads: int | None = None) -> None:
    """Consume until SIGTERM/SIGINT, then finish in-flight catch-ups and close cleanly."""
    container = bootstrap(settings)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    # a long-lived process can poll an idle queue less often than the embedded workers
    container.start_workers(threads, idle_wake_ms=1000)
    log.info("worker started with %s threads", threads or container.settings.worker_threads)
    try:
        stop.wait()
    finally:
        container.stop_workers(timeout_ms=30_000)
        container.close()
        log.info("worker stopped")
