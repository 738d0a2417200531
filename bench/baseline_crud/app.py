"""A plain Litestar + SQLAlchemy 2 app with LibreChat's two hot routes, state in two tables.

- POST /api/messages/{conversationId}: insert the message row and bump the conversation's
  updatedAt (and endpoint/model) in one transaction; 404 when the chat isn't the caller's.
- GET /api/convos?limit=&cursor=: the caller's chats by updatedAt desc, keyset cursor in
  LibreChat's format, on an index equivalent to Chronicle's list index.

Bearer auth decodes the HS256 access JWT with pyjwt, as Chronicle does. Handlers are sync in
Litestar's thread pool with psycopg 3, like Chronicle's, so the comparison is about what each
request does rather than the driver. Run it with
`BASELINE_DATABASE_URL=postgresql://… JWT_SECRET=… python -m bench.baseline_crud --port N`.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import jwt
import msgspec
import sqlalchemy as sa
from litestar import Litestar, Request, get, post
from litestar.exceptions import HTTPException, NotAuthorizedException, NotFoundException
from sqlalchemy.dialects.postgresql import insert

metadata = sa.MetaData()

conversations = sa.Table(
    "conversations",
    metadata,
    sa.Column("conversation_id", sa.String(36), primary_key=True),
    sa.Column("user_id", sa.String(36), nullable=False),
    sa.Column("title", sa.Text, nullable=True),
    sa.Column("endpoint", sa.String(100), nullable=True),
    sa.Column("model", sa.String(200), nullable=True),
    sa.Column("tags", sa.JSON, nullable=False, server_default="[]"),
    sa.Column("pinned", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("is_archived", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # the same key as Chronicle's conversation list index
    sa.Index(
        "conversations_updated_at_idx", "user_id", "is_archived", "updated_at", "conversation_id"
    ),
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("message_id", sa.String(36), primary_key=True),
    sa.Column("conversation_id", sa.String(36), nullable=False),
    sa.Column("user_id", sa.String(36), nullable=False),
    sa.Column("parent_message_id", sa.String(36), nullable=False),
    sa.Column("sender", sa.String(200), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("is_created_by_user", sa.Boolean, nullable=False),
    sa.Column("model", sa.String(200), nullable=True),
    sa.Column("endpoint", sa.String(100), nullable=True),
    sa.Column("token_count", sa.Integer, nullable=True),
    sa.Column("unfinished", sa.Boolean, nullable=False),
    sa.Column("error", sa.Boolean, nullable=False),
    sa.Column("content", sa.JSON, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("messages_conversation_created_idx", "conversation_id", "created_at"),
)

NO_PARENT = "00000000-0000-0000-0000-000000000000"


class MessageBody(msgspec.Struct, kw_only=True):
    messageId: str
    parentMessageId: str = NO_PARENT
    text: str = ""
    sender: str = "User"
    isCreatedByUser: bool = True
    content: list[dict[str, Any]] | None = None
    model: str | None = None
    endpoint: str | None = None
    tokenCount: int | None = None
    unfinished: bool = False
    error: bool = False


def create_tables(engine: sa.Engine) -> None:
    metadata.create_all(engine)


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _uuid(value: str, what: str) -> str:
    try:
        return str(UUID(value))
    except ValueError:
        raise NotFoundException(f"{what} not found") from None


def create_app(database_url: str | None = None, jwt_secret: str | None = None) -> Litestar:
    url = database_url or os.environ["BASELINE_DATABASE_URL"]
    secret = jwt_secret or os.environ["JWT_SECRET"]
    # SQLAlchemy's default pool (5 + 10 overflow): what a user gets without tuning
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    create_tables(engine)

    def user_of(request: Request[Any, Any, Any]) -> str:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise NotAuthorizedException("Unauthorized")
        try:
            claims = jwt.decode(
                token.strip(), secret, algorithms=["HS256"], options={"require": ["exp"]}
            )
            return str(UUID(str(claims["id"])))
        except Exception:
            raise NotAuthorizedException("Unauthorized") from None

    @post("/api/messages/{conversation_id:str}", status_code=201, sync_to_thread=True)
    def post_message(
        request: Request[Any, Any, Any], conversation_id: str, data: MessageBody
    ) -> dict[str, Any]:
        user = user_of(request)
        cid = _uuid(conversation_id, "Conversation")
        mid = _uuid(data.messageId, "Message")
        now = datetime.now(UTC)
        convo: dict[str, Any] = {"updated_at": now}
        if data.endpoint:
            convo["endpoint"] = data.endpoint
        if data.model:
            convo["model"] = data.model
        row = {
            "message_id": mid,
            "conversation_id": cid,
            "user_id": user,
            "parent_message_id": _uuid(data.parentMessageId, "Message"),
            "sender": data.sender,
            "text": data.text,
            "is_created_by_user": data.isCreatedByUser,
            "model": data.model,
            "endpoint": data.endpoint,
            "token_count": data.tokenCount,
            "unfinished": data.unfinished,
            "error": data.error,
            "content": data.content,
            "created_at": now,
            "updated_at": now,
        }
        with engine.begin() as conn:
            owned = conn.execute(
                conversations.update()
                .where(conversations.c.conversation_id == cid, conversations.c.user_id == user)
                .values(**convo)
                .returning(conversations.c.conversation_id)
            ).first()
            if owned is None:
                raise NotFoundException("Conversation not found")
            conn.execute(insert(messages).values(**row).on_conflict_do_nothing())
        body = {
            "messageId": mid,
            "conversationId": cid,
            "parentMessageId": row["parent_message_id"],
            "sender": data.sender,
            "text": data.text,
            "isCreatedByUser": data.isCreatedByUser,
            "model": data.model,
            "endpoint": data.endpoint,
            "tokenCount": data.tokenCount,
            "unfinished": data.unfinished,
            "error": data.error,
            "createdAt": iso(now),
            "updatedAt": iso(now),
        }
        if data.content is not None:
            body["content"] = data.content
        return body

    @get("/api/convos", sync_to_thread=True)
    def list_convos(request: Request[Any, Any, Any]) -> dict[str, Any]:
        user = user_of(request)
        params = request.query_params
        try:
            limit = int(params.get("limit", 25))
        except ValueError:
            raise HTTPException(status_code=400, detail="Invalid limit") from None
        if not 1 <= limit <= 100:
            raise HTTPException(status_code=400, detail="limit must be between 1 and 100")
        c = conversations.c
        query = sa.select(conversations).where(c.user_id == user, c.is_archived == sa.false())
        if params.get("cursor"):
            updated, cid = _decode_cursor(params["cursor"])
            query = query.where(sa.tuple_(c.updated_at, c.conversation_id) < (updated, cid))
        query = query.order_by(c.updated_at.desc(), c.conversation_id.desc()).limit(limit + 1)
        with engine.connect() as conn:
            rows = [r._mapping for r in conn.execute(query)]
        more = len(rows) > limit
        rows = rows[:limit]
        return {
            "conversations": [_row_json(r) for r in rows],
            "nextCursor": _cursor_of(rows[-1]) if more and rows else None,
        }

    @get("/health", sync_to_thread=False)
    def health() -> str:
        return "OK"

    async def dispose() -> None:
        engine.dispose()

    return Litestar(
        route_handlers=[post_message, list_convos, health],
        on_shutdown=[dispose],
        debug=False,
        logging_config=None,
    )


def _row_json(row: Any) -> dict[str, Any]:
    return {
        "_id": row["conversation_id"],
        "conversationId": row["conversation_id"],
        "user": row["user_id"],
        "title": row["title"],
        "endpoint": row["endpoint"],
        "model": row["model"],
        "tags": row["tags"] or [],
        "pinned": row["pinned"],
        "isArchived": row["is_archived"],
        "archivedAt": iso(row["archived_at"]),
        "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["updated_at"]),
    }


def _cursor_of(row: Any) -> str:
    """LibreChat's cursor: base64(JSON {primary, secondary, id})."""
    updated = row["updated_at"].astimezone(UTC).isoformat()
    payload = {"primary": updated, "secondary": updated, "id": row["conversation_id"]}
    return base64.b64encode(json.dumps(payload).encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        data = json.loads(base64.b64decode(cursor, validate=True))
        return datetime.fromisoformat(data["secondary"]), str(UUID(data["id"]))
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise HTTPException(status_code=400, detail="Invalid cursor") from None
