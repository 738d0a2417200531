"""Request bodies of the shared-link routes, as LibreChat's client sends them."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import ValidationException

from api.errors import refused_field, validation_error

# LibreChat's words for a field of the wrong type (share.js)
REFUSALS = {
    "targetMessageId": "targetMessageId must be a non-empty string",
    "snapshotFiles": "snapshotFiles must be a boolean",
}


class ShareBody(msgspec.Struct, kw_only=True):
    """POST /api/share/:conversationId and PATCH /api/share/:shareId."""

    targetMessageId: str | msgspec.UnsetType = msgspec.UNSET
    snapshotFiles: bool | msgspec.UnsetType = msgspec.UNSET

    def target(self) -> str | None:
        if isinstance(self.targetMessageId, msgspec.UnsetType):
            return None
        if not self.targetMessageId.strip():
            raise BadShare(REFUSALS["targetMessageId"])
        return self.targetMessageId

    def wants_files(self) -> bool:
        """The per-link choice: files are snapshotted unless the body says false."""
        return self.snapshotFiles is not False


class ForkBody(msgspec.Struct, kw_only=True):
    """POST /api/share/:shareId/fork. LibreChat ignores an index that is not an integer and
    compares the revision as a date, whatever its type: both are taken as sent."""

    targetMessageIndex: Any = None
    shareRevision: Any = None


class BadShare(ValueError):
    """A body LibreChat refuses with 400 and its own message."""


def refused(request: Request[Any, Any, Any], error: ValidationException) -> Response[Any]:
    field = refused_field(error)
    if field is None or field[0] not in REFUSALS:
        return validation_error(request, error)
    return Response({"message": REFUSALS[field[0]]}, status_code=400)
