"""The access rule used until shared links are plugged into the ACLs: a link is public when
its creator's role could share publicly (recorded on the link), else only its owner sees it."""

from __future__ import annotations

from uuid import UUID

from application.sharing.ports import LinkRef


class OwnerOrPublic:
    def is_public(self, link: LinkRef) -> bool:
        return link.public

    def can_view(self, viewer: UUID, link: LinkRef) -> bool:
        return viewer == link.owner_id

    def opened(self, link: LinkRef) -> None:
        """Nothing to grant: the link records its owner and whether it is public."""

    def closed(self, link: LinkRef) -> None:
        """Nothing to revoke."""
