"""Every projection the engine runs (plugins add theirs through custom/)."""

from __future__ import annotations

from projections.agents.agent_list import AgentListProjection
from projections.billing.balances import BalanceProjection
from projections.billing.transactions import TransactionsProjection
from projections.conversations.conversation_list import ConversationListProjection
from projections.conversations.presets import PresetsProjection
from projections.conversations.projects import ProjectsProjection
from projections.conversations.transcript import TranscriptProjection
from projections.engine.projection import Projection
from projections.files.files import FilesProjection
from projections.identity.role_directory import RoleDirectoryProjection
from projections.identity.user_directory import UserDirectoryProjection
from projections.keys.user_keys import UserKeyProjection
from projections.mcp.servers import McpServersProjection
from projections.memories.memories import MemoryProjection
from projections.permissions.effective import PermissionsProjection
from projections.search.documents import SearchProjection
from projections.sharing.shared_links import SharedLinksProjection


def all_projections(search: SearchProjection | None = None) -> list[Projection]:
    """`search` carries the settings its tables depend on (language, outbox)."""
    return [
        UserDirectoryProjection(),
        RoleDirectoryProjection(),
        ConversationListProjection(),
        TranscriptProjection(),
        PresetsProjection(),
        ProjectsProjection(),
        BalanceProjection(),
        MemoryProjection(),
        UserKeyProjection(),
        SharedLinksProjection(),
        TransactionsProjection(),
        PermissionsProjection(),
        McpServersProjection(),
        AgentListProjection(),
        search or SearchProjection(),
        FilesProjection(),
    ]
