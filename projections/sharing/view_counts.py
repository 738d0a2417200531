"""SharedLinkViews: how often each link was opened, counted in place (a view is no event:
recording one per anonymous page load would grow the store by its readers, not its writers).

The table is not built from events, so a rebuild of the shared-links projection keeps it;
rows are keyed by the link's shareId, which is never reused."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

METADATA = sa.MetaData()
VIEWS = sa.Table(
    "shared_link_views",
    METADATA,
    sa.Column("share_id", sa.String(64), primary_key=True),
    sa.Column("views", sa.BigInteger, nullable=False),
    sa.Column("first_viewed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_viewed_at", sa.DateTime(timezone=True), nullable=False),
)


class SqlViewCounts:
    def __init__(self, db: sa.Engine) -> None:
        self._db = db

    def create_table(self) -> None:
        METADATA.create_all(self._db, checkfirst=True)

    def count(self, share_id: str) -> None:
        now = datetime.now(UTC)
        bump = (
            sa.update(VIEWS)
            .where(VIEWS.c.share_id == share_id)
            .values(views=VIEWS.c.views + 1, last_viewed_at=now)
        )
        with self._db.begin() as conn:
            if conn.execute(bump).rowcount:
                return
        try:
            with self._db.begin() as conn:
                conn.execute(
                    sa.insert(VIEWS).values(
                        share_id=share_id, views=1, first_viewed_at=now, last_viewed_at=now
                    )
                )
        except sa.exc.IntegrityError:  # a concurrent first view inserted it
            with self._db.begin() as conn:
                conn.execute(bump)


def views_of(conn: sa.Connection, share_id: str) -> int:
    found = conn.execute(sa.select(VIEWS.c.views).where(VIEWS.c.share_id == share_id)).scalar()
    return int(found or 0)
