"""A plugin's projection as the engine runs it: the same Projection, its failures counted.

The engine already isolates one projection from another (each catches up in its own
transaction, a failed batch rolls back and the catch-up actor retries it with backoff, an
event it cannot store is parked). What a plugin adds is accounting: every error its `apply`
raises is reported to the plugin's health (logged, /metrics, /readyz) before it propagates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from projections.engine.projection import Projection, TableNamer
from projections.engine.rows import Rows

OnFailure = Callable[[BaseException], None]


class GuardedProjection(Projection):
    def __init__(self, inner: Projection, on_failure: OnFailure) -> None:
        self.inner = inner
        self.name = inner.name  # type: ignore[misc]
        self.version = inner.version  # type: ignore[misc]
        self.subscriptions = inner.subscriptions  # type: ignore[misc]
        self._on_failure = on_failure

    def define(self, metadata: sa.MetaData, name_for: TableNamer) -> dict[str, sa.Table]:
        return self.inner.define(metadata, name_for)

    def apply(self, rows: Rows, tables: dict[str, sa.Table], event: Any) -> None:
        try:
            self.inner.apply(rows, tables, event)
        except Exception as error:
            self._on_failure(error)
            raise
