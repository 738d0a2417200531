"""LibreChat's public user object."""

from __future__ import annotations

from typing import Any

from api.conversations.presenters import iso
from application.identity.service import UserProfile


def user_json(user: UserProfile, memories: bool = True) -> dict[str, Any]:
    """`memories`: the user's `personalization.memories` (whether memories reach a model)."""
    return {
        "_id": str(user.id),
        "id": str(user.id),
        "name": user.name,
        "username": user.username,
        "email": user.email,
        "emailVerified": user.email_verified,
        "avatar": None,
        "provider": user.provider,
        "role": user.role,
        "plugins": [],
        "twoFactorEnabled": False,
        "termsAccepted": False,
        "personalization": {"memories": memories},
        "favorites": [],
        "createdAt": iso(user.created_at),
        "updatedAt": iso(user.updated_at),
    }
