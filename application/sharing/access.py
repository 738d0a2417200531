"""Who may open a shared link: `AclAccess` asks the ACLs (what bootstrap wires);
`OwnerOrPublic` is the rule without them (a link is public when its creator's role could
share publicly, as recorded on the link, else only its owner sees it)."""

from __future__ import annotations

from uuid import UUID

from application.permissions.service import Permissions
from application.sharing.ports import LinkRef
from domain.permissions.model import PermissionBits, Principal

SHARED_LINK = "sharedLink"


class OwnerOrPublic:
    def is_public(self, link: LinkRef) -> bool:
        return link.public

    def can_view(self, viewer: UUID, link: LinkRef) -> bool:
        return viewer == link.owner_id

    def opened(self, link: LinkRef) -> None:
        """Nothing to grant: the link records its owner and whether it is public."""

    def closed(self, link: LinkRef) -> None:
        """Nothing to revoke."""


class AclAccess:
    """Shared links under the ACLs (application/permissions), as LibreChat: the creator owns
    a link (`sharedLink_owner`), the public may view it (`sharedLink_viewer`) when the
    creator's role could share publicly, and owners change that through
    `PUT /api/permissions/sharedLink/:_id`. A link made before its ACL existed (none was
    ever opened for it) is judged by what it recorded, as LibreChat migrates a legacy link
    to the grants its `isPublic` implies."""

    def __init__(self, permissions: Permissions) -> None:
        self.permissions = permissions

    def is_public(self, link: LinkRef) -> bool:
        if self.permissions.public_bits(SHARED_LINK, str(link.link_id)) & PermissionBits.VIEW:
            return True
        return link.public and self._legacy(link)

    def can_view(self, viewer: UUID, link: LinkRef) -> bool:
        if self.permissions.can(viewer, SHARED_LINK, str(link.link_id), PermissionBits.VIEW):
            return True
        return viewer == link.owner_id and self._legacy(link)

    def opened(self, link: LinkRef) -> None:
        resource = str(link.link_id)
        self.permissions.create_owner(SHARED_LINK, resource, link.owner_id)
        if link.public:
            viewer = Principal.public()
            self.permissions.grant(
                SHARED_LINK, resource, link.owner_id, viewer, "sharedLink_viewer"
            )

    def closed(self, link: LinkRef) -> None:
        self.permissions.close(SHARED_LINK, str(link.link_id), link.owner_id)

    def _legacy(self, link: LinkRef) -> bool:
        return self.permissions.acl(SHARED_LINK, str(link.link_id)) is None
