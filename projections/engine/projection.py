"""What a projection declares: a name and version, the events it reads, its tables, `apply`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

import sqlalchemy as sa

from domain.shared.events import DomainEvent
from projections.engine.rows import Rows

TableNamer = Callable[[str], str]


class Projection(ABC):
    """A read model. Subclasses set `name`, `version` and `subscriptions` and implement
    `define` (its tables, named through `name_for` so the engine can version them) and
    `apply` (the row changes one event makes).

    Bump `version` whenever `apply` or the tables change: the engine then builds the new
    version into fresh tables while the old one keeps serving, and switches when caught up.
    Analysts and queries read the stable, unversioned view names.
    """

    name: ClassVar[str]
    version: ClassVar[int] = 1
    subscriptions: ClassVar[dict[str, tuple[type[DomainEvent], ...]]]

    @abstractmethod
    def define(self, metadata: sa.MetaData, name_for: TableNamer) -> dict[str, sa.Table]:
        """Declare the tables; key = the stable (view) name."""

    @abstractmethod
    def apply(self, rows: Rows, tables: dict[str, sa.Table], event: Any) -> None:
        """Fold one event into the rows, written through `rows` (the engine batches them).
        Runs in the catch-up transaction, inside a savepoint
        that is rolled back when the batch must be replayed event by event to park one that
        cannot be applied (projections/engine/parking.py): so `apply` may run again for the
        same event and must keep no state outside the database. An error that the same event
        would raise again (ValueError, TypeError, a refused value) parks the event; any other
        error fails the batch, to be retried."""

    def topics(self, context: str) -> list[str]:
        return [cls.TOPIC for cls in self.subscriptions.get(context, ())]

    def views(self) -> dict[str, sa.Table]:
        """Tables bound to the stable view names: what queries select from."""
        return self.define(sa.MetaData(), lambda base: base)
