"""The distributed-mode worker process: Dramatiq consumers plus the projection sweep."""

from __future__ import annotations

import logging
import signal
import threading

import dramatiq

from application.bootstrap import bootstrap
from application.settings import Settings
from workers.projections import Sweeper

log = logging.getLogger(__name__)


def run(settings: Settings | None = None, threads: int | None = None) -> None:
    """Consume until SIGTERM/SIGINT, then finish in-flight catch-ups and close cleanly."""
    container = bootstrap(settings)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    worker = dramatiq.Worker(
        container.broker,
        worker_threads=threads or container.settings.worker_threads,
        worker_timeout=1000,
    )
    sweeper = Sweeper(container.poker, container.settings.projection_sweep_s)
    worker.start()
    sweeper.start()
    container.poker.poke_all()
    log.info("worker started with %s threads", threads or container.settings.worker_threads)
    try:
        stop.wait()
    finally:
        sweeper.stop()
        worker.stop(timeout=30_000)
        container.close()
        log.info("worker stopped")
