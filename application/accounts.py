"""Closing an account spans two contexts, in an order that matters."""

from __future__ import annotations

from uuid import UUID

from application.conversations.bulk import Bulk
from application.identity.service import IdentityService


def delete_account(bulk: Bulk, identity: IdentityService, user_id: UUID) -> None:
    """LibreChat's account deletion: the user's conversations go first (their own events, so
    a rebuild removes them whatever order it reads the contexts in), then the account, then
    the key that shreds what is left. NotFound when there is no such account."""
    bulk.delete_all(user_id)
    identity.delete_account(user_id)
