"""Parking: one event a projection cannot apply must not stop that projection for everyone.

A batch is applied inside a SAVEPOINT. When it fails with an error that the same event would
raise again on every retry (a value the read model's columns cannot hold: too long, NUL in
PostgreSQL text, an integer beyond 64 bits on SQLite, a constraint), the savepoint is rolled
back and the batch is applied again one event at a time, each in a savepoint of its own: the
good events are applied, each failing one is parked (a row in `projection_parked_events`, in
the same transaction as the tracking advance, so parking is exactly-once like applying).

Errors that may pass on a retry (connection lost, lock or statement timeout, serialization
failure: all `OperationalError`/`InterfaceError`) and programming errors (anything else) still
fail the whole batch, which rolls back and is retried as before. Events that cannot be
decoded fail in the engine before any of this, also as before: the fix is a deployment.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from eventsourcing.persistence import MapperDeserialisationError

from projections.engine.projection import Projection
from projections.engine.state import projection_parked
from projections.engine.writes import BufferedRows

log = logging.getLogger(__name__)

# What a value the database (or its driver) refuses raises, again on every attempt.
_DETERMINISTIC_DBAPI = (sa.exc.DataError, sa.exc.IntegrityError)
_DETERMINISTIC = (ArithmeticError, ValueError, TypeError)
ERROR_LIMIT = 2000


@dataclass(frozen=True)
class Failure:
    notification: Any
    error: BaseException


@dataclass(frozen=True)
class ParkedEvent:
    projection: str
    generation: int
    context: str
    notification_id: int
    topic: str
    originator_id: str
    originator_version: int
    error_class: str
    error: str
    attempts: int
    parked_at: datetime


def parkable(error: BaseException) -> bool:
    """Whether `error` would recur on every retry of the same event (so waiting is no fix)."""
    if isinstance(error, sa.exc.DBAPIError):
        return not error.connection_invalidated and isinstance(error, _DETERMINISTIC_DBAPI)
    if isinstance(error, sa.exc.StatementError):  # raised while binding a parameter
        return parkable(error.orig) if error.orig is not None else False
    if isinstance(error, MapperDeserialisationError):
        return False
    return isinstance(error, _DETERMINISTIC)


def apply_events(
    conn: sa.Connection,
    projection: Projection,
    tables: dict[str, sa.Table],
    pairs: Sequence[tuple[Any, Any]],
) -> list[Failure]:
    """Apply (notification, event) pairs; returns those that failed and must be parked."""
    try:
        _apply_in_savepoint(conn, projection, tables, [event for _, event in pairs])
        return []
    except Exception as error:
        if not parkable(error):
            raise
        if len(pairs) == 1:
            return [Failure(pairs[0][0], error)]
    # a buffered run may fail at a later event's flush: isolate the culprit one by one
    failures = []
    for notification, event in pairs:
        try:
            _apply_in_savepoint(conn, projection, tables, [event])
        except Exception as error:
            if not parkable(error):
                raise
            failures.append(Failure(notification, error))
    return failures


def _apply_in_savepoint(
    conn: sa.Connection, projection: Projection, tables: dict[str, sa.Table], events: list[Any]
) -> None:
    with conn.begin_nested():
        rows = BufferedRows(conn)
        for event in events:
            projection.apply(rows, tables, event)
        rows.flush()


def park(
    conn: sa.Connection, projection: str, generation: int, context: str, failure: Failure
) -> None:
    notification = failure.notification
    error_class, message = describe(failure.error)
    log.error(
        "projection %s parked %s event %s (%s): %s",
        projection,
        context,
        notification.id,
        notification.topic,
        message,
        extra={"fields": {"projection": projection, "generation": generation}},
    )
    conn.execute(
        projection_parked.insert().values(
            projection=projection,
            generation=generation,
            context=context,
            notification_id=notification.id,
            topic=notification.topic,
            originator_id=str(notification.originator_id),
            originator_version=notification.originator_version,
            error_class=error_class,
            error=message,
            attempts=1,
            parked_at=datetime.now(UTC),
        )
    )


def describe(error: BaseException) -> tuple[str, str]:
    """The error's class and the first line of its message: not the SQL statement and its
    parameters, nor PostgreSQL's DETAIL ("Failing row contains …"), which hold the event's
    personal data, which must not outlive its key in a side table."""
    cause = error.orig if isinstance(error, sa.exc.StatementError) and error.orig else error
    kind = type(cause)
    message = str(cause).strip().split("\n", 1)[0]
    return f"{kind.__module__}.{kind.__qualname__}", message[:ERROR_LIMIT]


def parked_rows(conn: sa.Connection, projection: str, generation: int) -> list[ParkedEvent]:
    rows = conn.execute(
        sa.select(projection_parked)
        .where(
            projection_parked.c.projection == projection,
            projection_parked.c.generation == generation,
        )
        .order_by(projection_parked.c.context, projection_parked.c.notification_id)
    )
    return [ParkedEvent(**row._mapping) for row in rows]


def parked_counts(conn: sa.Connection) -> dict[tuple[str, int, str], int]:
    """(projection, generation, context) → how many events it parked."""
    c = projection_parked.c
    rows = conn.execute(
        sa.select(c.projection, c.generation, c.context, sa.func.count()).group_by(
            c.projection, c.generation, c.context
        )
    )
    return {(r[0], r[1], r[2]): int(r[3]) for r in rows}


def forget(conn: sa.Connection, projection: str, generation: int) -> None:
    conn.execute(
        sa.delete(projection_parked).where(
            projection_parked.c.projection == projection,
            projection_parked.c.generation == generation,
        )
    )


def unpark(conn: sa.Connection, parked: ParkedEvent) -> None:
    conn.execute(sa.delete(projection_parked).where(*_key(parked)))


def still_parked(conn: sa.Connection, parked: ParkedEvent, error: BaseException) -> None:
    error_class, message = describe(error)
    conn.execute(
        sa.update(projection_parked)
        .where(*_key(parked))
        .values(
            error_class=error_class,
            error=message,
            attempts=projection_parked.c.attempts + 1,
        )
    )


def _key(parked: ParkedEvent) -> list[Any]:
    c = projection_parked.c
    return [
        c.projection == parked.projection,
        c.generation == parked.generation,
        c.context == parked.context,
        c.notification_id == parked.notification_id,
    ]


def retry(
    conn: sa.Connection,
    projection: Projection,
    tables: dict[str, sa.Table],
    store: Any,
    parked: ParkedEvent,
) -> bool:
    """Apply one parked event again: True (and unparked) when it now applies."""
    notifications = store.recorder.select_notifications(
        start=parked.notification_id, limit=1, stop=parked.notification_id
    )
    if not notifications:  # the log never loses an event: this is a corrupted table
        raise LookupError(f"parked {parked.context} event {parked.notification_id} is not logged")
    notification = notifications[0]
    event = store.mapper.to_domain_event(notification)
    failures = apply_events(conn, projection, tables, [(notification, event)])
    if failures:
        still_parked(conn, parked, failures[0].error)
        return False
    unpark(conn, parked)
    return True
