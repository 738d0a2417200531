"""Exactly-once catch-up of projections from the notification logs of the context stores.

Guarantees (see docs/architecture.md):
- rows and tracking positions are written in one transaction;
- one catch-up at a time per projection: `SELECT … FOR UPDATE` on its state row in
  PostgreSQL, `BEGIN IMMEDIATE` in SQLite;
- no late-committing event is skipped: the stores insert under an exclusive table lock, so
  ids commit in order, and a reader that saw id N has seen every id below N that will ever
  commit. A batch reads up to the head it measured first, so it may jump its position to
  that head when the batch came back short;
- an event that apply cannot store is parked, not retried forever (projections/engine/parking.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from eventsourcing.application import Application

from projections.engine import parking
from projections.engine.parking import ParkedEvent
from projections.engine.projection import Projection
from projections.engine.state import metadata, physical_name, projection_state, projection_tracking

log = logging.getLogger(__name__)


class Busy(Exception):
    """Another catch-up holds the projection's lock (only raised when asked not to wait)."""


@dataclass(frozen=True)
class Lag:
    projection: str
    generation: int
    version: int
    context: str
    position: int
    head: int
    events_applied: int
    building: bool
    parked: int = 0

    @property
    def behind(self) -> int:
        return max(self.head - self.position, 0)


@dataclass
class Progress:
    applied: int = 0
    more: bool = False
    parked: int = 0


@dataclass
class Retried:
    applied: int = 0
    parked: int = 0


class ProjectionEngine:
    def __init__(
        self,
        engine: sa.Engine,
        stores: Mapping[str, Application[Any]],
        projections: Iterable[Projection],
        batch_size: int = 500,
    ) -> None:
        self.db = engine
        self.stores = stores
        self.projections = {p.name: p for p in projections}
        self.batch_size = batch_size
        self._tables: dict[tuple[str, int], dict[str, sa.Table]] = {}
        self.on_caught_up: list[Callable[[str], None]] = []

    # ----------------------------------------------------------------- set-up
    def prepare(self) -> None:
        """Create bookkeeping tables, first generations, views; start builds for new versions."""
        with self.db.begin() as conn:
            self._migration_lock(conn)
            metadata.create_all(conn)
            for projection in self.projections.values():
                self._prepare_one(conn, projection)

    def _prepare_one(self, conn: sa.Connection, projection: Projection) -> None:
        state = self._state(conn, projection.name)
        if state is None:
            self._create_generation(conn, projection, 1)
            conn.execute(
                projection_state.insert().values(
                    projection=projection.name,
                    active_generation=1,
                    active_version=projection.version,
                    updated_at=_now(),
                )
            )
            self._point_views(conn, projection, 1)
        elif (
            state.active_version != projection.version
            and state.building_version != projection.version
        ):
            self._begin_build(conn, projection, state)

    def start_rebuild(self, name: str) -> int:
        """Build the projection again from position 0 into a new generation."""
        projection = self.projections[name]
        with self.db.begin() as conn:
            self._migration_lock(conn)
            state = self._state(conn, name, for_update=True)
            assert state is not None, f"projection {name} is not prepared"
            if state.building_generation is not None:
                self._drop_generation(conn, projection, state.building_generation)
            return self._begin_build(conn, projection, state)

    def _begin_build(self, conn: sa.Connection, projection: Projection, state: Any) -> int:
        generation = int(max(state.active_generation, state.building_generation or 0)) + 1
        self._create_generation(conn, projection, generation)
        conn.execute(
            projection_state.update()
            .where(projection_state.c.projection == projection.name)
            .values(
                building_generation=generation,
                building_version=projection.version,
                updated_at=_now(),
            )
        )
        log.info(
            "projection %s: building generation %s (version %s)",
            projection.name,
            generation,
            projection.version,
        )
        return generation

    def _create_generation(
        self, conn: sa.Connection, projection: Projection, generation: int
    ) -> None:
        for table in self.tables(projection.name, generation).values():
            table.create(conn, checkfirst=True)
        parking.forget(conn, projection.name, generation)
        conn.execute(
            sa.delete(projection_tracking).where(
                projection_tracking.c.projection == projection.name,
                projection_tracking.c.generation == generation,
            )
        )
        for context in projection.subscriptions:
            conn.execute(
                projection_tracking.insert().values(
                    projection=projection.name,
                    generation=generation,
                    context=context,
                    position=0,
                    events_applied=0,
                )
            )

    def _drop_generation(
        self, conn: sa.Connection, projection: Projection, generation: int
    ) -> None:
        for table in reversed(list(self.tables(projection.name, generation).values())):
            table.drop(conn, checkfirst=True)
        parking.forget(conn, projection.name, generation)
        conn.execute(
            sa.delete(projection_tracking).where(
                projection_tracking.c.projection == projection.name,
                projection_tracking.c.generation == generation,
            )
        )

    def _point_views(self, conn: sa.Connection, projection: Projection, generation: int) -> None:
        cascade = " CASCADE" if conn.dialect.name == "postgresql" else ""
        for view, table in self.tables(projection.name, generation).items():
            conn.exec_driver_sql(f'DROP VIEW IF EXISTS "{view}"{cascade}')
            conn.exec_driver_sql(f'CREATE VIEW "{view}" AS SELECT * FROM "{table.name}"')

    def tables(self, name: str, generation: int) -> dict[str, sa.Table]:
        key = (name, generation)
        if key not in self._tables:
            self._tables[key] = self.projections[name].define(
                sa.MetaData(), lambda base: physical_name(base, generation)
            )
        return self._tables[key]

    # --------------------------------------------------------------- catch-up
    def catch_up(self, name: str, wait: bool = True, max_batches: int | None = None) -> int:
        """Apply everything committed so far; returns how many events were applied."""
        total, batches = 0, 0
        while max_batches is None or batches < max_batches:
            progress = self.catch_up_batch(name, wait=wait)
            total += progress.applied
            batches += 1
            if not progress.more:
                break
        for callback in self.on_caught_up:
            callback(name)
        return total

    def catch_up_batch(self, name: str, wait: bool = True) -> Progress:
        projection = self.projections[name]
        progress = Progress()
        with self.db.begin() as conn:
            state = self._state(conn, name, for_update=True, wait=wait)
            if state is None:
                return progress
            for generation in _generations(state):
                self._advance(conn, projection, generation, progress)
            if state.building_generation is not None and not progress.more:
                self._switch(conn, projection, state)
        return progress

    def _advance(
        self, conn: sa.Connection, projection: Projection, generation: int, progress: Progress
    ) -> None:
        tables = self.tables(projection.name, generation)
        for context, position, applied in self._positions(conn, projection.name, generation):
            store = self.stores[context]
            head = store.recorder.max_notification_id() or 0
            if head <= position:
                continue
            notifications = store.recorder.select_notifications(
                start=position,
                limit=self.batch_size,
                stop=head,
                topics=projection.topics(context),
                inclusive_of_start=False,
            )
            # an event that cannot be decoded fails the batch here, before anything is applied
            pairs = [(n, store.mapper.to_domain_event(n)) for n in notifications]
            failures = parking.apply_events(conn, projection, tables, pairs)
            for failure in failures:
                parking.park(conn, projection.name, generation, context, failure)
            full = len(notifications) == self.batch_size
            new_position = notifications[-1].id if full else head
            done = len(notifications) - len(failures)
            progress.applied += done
            progress.parked += len(failures)
            progress.more = progress.more or full
            conn.execute(
                _tracking_row(projection.name, generation, context).values(
                    position=new_position, events_applied=applied + done
                )
            )

    def _switch(self, conn: sa.Connection, projection: Projection, state: Any) -> None:
        """The new generation has caught up (under the lock): serve it, drop the old one."""
        self._point_views(conn, projection, state.building_generation)
        conn.execute(
            projection_state.update()
            .where(projection_state.c.projection == projection.name)
            .values(
                active_generation=state.building_generation,
                active_version=state.building_version,
                building_generation=None,
                building_version=None,
                updated_at=_now(),
            )
        )
        self._drop_generation(conn, projection, state.active_generation)
        log.info(
            "projection %s: switched to generation %s", projection.name, state.building_generation
        )

    # ---------------------------------------------------------------- parking
    def parked(self, name: str) -> list[ParkedEvent]:
        """The events each current generation of `name` parked, in log order per context."""
        with self.db.connect() as conn:
            state = self._state(conn, name)
            if state is None:
                return []
            return [p for g in _generations(state) for p in parking.parked_rows(conn, name, g)]

    def retry_parked(self, name: str) -> Retried:
        """Apply the parked events of `name` again (after a fix), oldest first per context;
        those that fail again stay parked with the new error."""
        projection = self.projections[name]
        retried = Retried()
        with self.db.begin() as conn:
            state = self._state(conn, name, for_update=True)
            for generation in _generations(state) if state is not None else []:
                tables = self.tables(name, generation)
                for parked in parking.parked_rows(conn, name, generation):
                    store = self.stores[parked.context]
                    if not parking.retry(conn, projection, tables, store, parked):
                        retried.parked += 1
                        continue
                    retried.applied += 1
                    conn.execute(
                        _tracking_row(name, generation, parked.context).values(
                            events_applied=projection_tracking.c.events_applied + 1
                        )
                    )
        return retried

    # ----------------------------------------------------------------- status
    def positions(self, name: str) -> dict[str, int]:
        """Positions of the generation that serves reads."""
        with self.db.connect() as conn:
            state = self._state(conn, name)
            if state is None:
                return {}
            return {c: p for c, p, _ in self._positions(conn, name, state.active_generation)}

    def status(self) -> list[Lag]:
        heads = {c: (s.recorder.max_notification_id() or 0) for c, s in self.stores.items()}
        rows: list[Lag] = []
        with self.db.connect() as conn:
            parked = parking.parked_counts(conn)
            for name in self.projections:
                state = self._state(conn, name)
                if state is None:
                    continue
                for generation in _generations(state):
                    building = generation == state.building_generation
                    version = state.building_version if building else state.active_version
                    for context, position, applied in self._positions(conn, name, generation):
                        rows.append(
                            Lag(
                                name,
                                generation,
                                version,
                                context,
                                position,
                                heads.get(context, 0),
                                applied,
                                building,
                                parked.get((name, generation, context), 0),
                            )
                        )
        return rows

    def is_building(self, name: str) -> bool:
        with self.db.connect() as conn:
            state = self._state(conn, name)
        return state is not None and state.building_generation is not None

    # ---------------------------------------------------------------- helpers
    def _state(
        self, conn: sa.Connection, name: str, for_update: bool = False, wait: bool = True
    ) -> Any:
        query = sa.select(projection_state).where(projection_state.c.projection == name)
        if for_update and conn.dialect.name == "postgresql":
            query = query.with_for_update(nowait=not wait)
        try:
            return conn.execute(query).first()
        except sa.exc.OperationalError as error:
            if not wait and "could not obtain lock" in str(error):
                raise Busy(name) from None
            raise

    @staticmethod
    def _positions(conn: sa.Connection, name: str, generation: int) -> list[tuple[str, int, int]]:
        rows = conn.execute(
            sa.select(projection_tracking)
            .where(
                projection_tracking.c.projection == name,
                projection_tracking.c.generation == generation,
            )
            .order_by(projection_tracking.c.context)
        )
        return [(r.context, r.position, r.events_applied) for r in rows]

    @staticmethod
    def _migration_lock(conn: sa.Connection) -> None:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('chronicle:projections'))"))


def _tracking_row(name: str, generation: int, context: str) -> sa.Update:
    c = projection_tracking.c
    return projection_tracking.update().where(
        c.projection == name, c.generation == generation, c.context == context
    )


def _generations(state: Any) -> list[int]:
    generations = [state.active_generation]
    if state.building_generation is not None:
        generations.append(state.building_generation)
    return generations


def _now() -> datetime:
    return datetime.now(UTC)
