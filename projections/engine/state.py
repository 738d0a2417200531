"""The engine's own bookkeeping tables: which generation of each projection serves, and how far
each generation has read each context's notification log."""

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
