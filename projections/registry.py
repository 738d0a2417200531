"""Every projection the engine runs (plugins add theirs through custom/)."""

from __future__ import annotations

from projections.billing.balances import BalanceProjection
from projections.conversations.conversation_list import ConversationListProjection
from projections.conversations.transcript import TranscriptProjection
from projections.engine.projection import Projection
from projections.identity.user_directory import UserDirectoryProjection
from projections.permissions.effective import PermissionsProjection
from projections.search.documents import SearchProjection


def all_projections(search: SearchProjection | None = None) -> list[Projection]:
    """`search` carries the settings its tables depend on (language, outbox)."""
    return [
        UserDirectoryProjection(),
        ConversationListProjection(),
        TranscriptProjection(),
        BalanceProjection(),
        PermissionsProjection(),
        search or SearchProjection(),
    ]
