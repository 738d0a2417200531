"""LibreChat's public user object."""

from __future__ import annotations

from typing import Any

from api.conversations.presenters import iso
from application.identity.service import UserProfile


def user_json(user: UserProfile, memories: bool = True) -> dict[str, Any]:
    """`memories`: the user's `personalization.memories` (whether memories reach a model)."""
    settings = user.settings
    accepted_at = settings.terms_accepted_at if settings else None
    preferences = settings.preferences if settings else {}
    personalization: dict[str, Any] = {**preferences, "memories": memories}
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
        "plugins": list(settings.plugins) if settings else [],
        "twoFactorEnabled": False,
        "termsAccepted": accepted_at is not None,
        "personalization": personalization,
        "favorites": list(settings.favorites) if settings else [],
        "createdAt": iso(user.created_at),
        "updatedAt": iso(user.updated_at),
    }
