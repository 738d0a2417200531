"""The worker process and its actors: what deployed workers and queued messages rely on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_actors_keep_their_names_queues_and_retry_policy(
    container_for: Callable[..., Any],
) -> None:
    broker = container_for("sqlite").broker
    declared = {
        name: (actor.queue_name, {k: actor.options[k] for k in sorted(actor.options)})
        for name, actor in broker.actors.items()
    }
    assert declared == {
        "catch_up_projection": (
            "projections",
            {"max_backoff": 30_000, "max_retries": 1000, "min_backoff": 200, "time_limit": 600_000},
        ),
        "generate_title": (
            "titles",
            {"max_backoff": 10_000, "max_retries": 3, "min_backoff": 1_000, "time_limit": 60_000},
        ),
    }


def _caught_up(container: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(lag.behind == 0 for lag in container.projections.status()):
            return True
        time.sleep(0.1)
    return False


def test_the_worker_process_builds_read_models_and_stops_cleanly_on_sigterm(
    container_for: Callable[..., Any], tmp_path: Path
) -> None:
    api = container_for("distributed")  # an API process: it pokes, it does not consume
    config = tmp_path / "chronicle.yaml"
    settings = msgspec.to_builtins(api.settings)
    # chronicle.yaml has these in sections of their own
    del settings["endpoints"], settings["balance"]
    config.write_text(yaml.safe_dump({"settings": settings}))
    worker = subprocess.Popen(
        [sys.executable, "-c", "from api.cli import main; main()", "worker", "--threads", "2"],
        cwd=ROOT,
        env={**os.environ, "CHRONICLE_CONFIG": str(config)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        api.identity.register(
            name="Ada", email="ada@example.com", password="long enough pw", confirm="long enough pw"
        )
        assert _caught_up(api, timeout=60), worker.poll()
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, output.decode()
    assert b"worker stopped" in output
