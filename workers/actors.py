"""Declaring an actor on a given broker, the one way every worker module does it.

Actors are bound to the broker passed in, never to Dramatiq's global one: bootstrap builds the
broker (Redis, or a StubBroker in embedded mode) and a global default would connect at import
time. The actor and queue names are a contract with deployed workers and queued messages:
renaming either strands what is already queued."""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec

import dramatiq

P = ParamSpec("P")


def declare(
    broker: dramatiq.Broker,
    fn: Callable[P, None],
    *,
    name: str,
    queue: str,
    max_retries: int,
    backoff_ms: tuple[int, int],
    time_limit_ms: int,
) -> dramatiq.Actor[P, None]:
    """`fn` as actor `name` on `queue`, retried with backoff between the two bounds."""
    decorate = dramatiq.actor(
        actor_name=name,
        queue_name=queue,
        broker=broker,
        max_retries=max_retries,
        min_backoff=backoff_ms[0],
        max_backoff=backoff_ms[1],
        time_limit=time_limit_ms,
    )
    return decorate(fn)
