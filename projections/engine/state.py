"""The engine's own bookkeeping tables: which generation of each projection serves, how far
each generation has read each context's notification log, and the events it parked."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

projection_state = sa.Table(
    "projection_state",
    metadata,
    sa.Column("projection", sa.String(100), primary_key=True),
    sa.Column("active_generation", sa.Integer, nullable=False),
    sa.Column("active_version", sa.Integer, nullable=False),
    sa.Column("building_generation", sa.Integer, nullable=True),
    sa.Column("building_version", sa.Integer, nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

projection_tracking = sa.Table(
    "projection_tracking",
    metadata,
    sa.Column("projection", sa.String(100), primary_key=True),
    sa.Column("generation", sa.Integer, primary_key=True),
    sa.Column("context", sa.String(50), primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("events_applied", sa.BigInteger, nullable=False, server_default="0"),
)


def physical_name(base: str, generation: int) -> str:
    return f"{base}_g{generation}"


# Events a generation could not apply (see projections/engine/parking.py): the generation's
# position moved past them; `retry` applies them later, a rebuild starts without them.
projection_parked = sa.Table(
    "projection_parked_events",
    metadata,
    sa.Column("projection", sa.String(100), primary_key=True),
    sa.Column("generation", sa.Integer, primary_key=True),
    sa.Column("context", sa.String(50), primary_key=True),
    sa.Column("notification_id", sa.BigInteger, primary_key=True),
    sa.Column("topic", sa.String(255), nullable=False),
    sa.Column("originator_id", sa.String(36), nullable=False),
    sa.Column("originator_version", sa.Integer, nullable=False),
    sa.Column("error_class", sa.String(200), nullable=False),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="1"),
    sa.Column("parked_at", sa.DateTime(timezone=True), nullable=False),
)
