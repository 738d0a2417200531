"""What sharing needs from the read side and from access control."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True)
class LinkRef:
    """What an access decision needs to know of a link."""

    link_id: UUID
    owner_id: UUID
    public: bool


class LinkIndex(Protocol):
    """The shared-links read model, as the commands need it."""

    def link_of(self, user_id: UUID, share_id: str) -> UUID | None:
        """The id of the caller's own live link with this shareId (others' do not exist)."""
        ...

    def has_live_link(self, user_id: UUID, conversation_id: UUID) -> bool:
        """Whether the caller has an active link of this conversation (complete as of the
        call: a create decides on it)."""
        ...


class LinkAccess(Protocol):
    """Who may open a link (LibreChat's `canAccessSharedLink`): a public viewer grant, else
    the VIEW bit of the link's ACL; and the grants a link's creation and deletion make
    (LibreChat's `grantCreationPermissions`, `cleanupSharedLinkPermissions`)."""

    def is_public(self, link: LinkRef) -> bool: ...

    def can_view(self, viewer: UUID, link: LinkRef) -> bool: ...

    def opened(self, link: LinkRef) -> None:
        """A link was created: its owner owns it, and the public may view it if `public`."""
        ...

    def closed(self, link: LinkRef) -> None:
        """A link was deleted: every grant on it goes."""
        ...


class ViewCounts(Protocol):
    """How often each link was opened: counted in a table, not recorded as events."""

    def count(self, share_id: str) -> None: ...
