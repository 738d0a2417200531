"""Every failure becomes a JSON body in LibreChat's shape; nothing a client sends is a 500."""

from __future__ import annotations

import logging
import re
from typing import Any

import eventsourcing.persistence
import psycopg
import redis
import sqlalchemy.exc
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from domain.shared.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    Unauthenticated,
    Unavailable,
)
from infrastructure.eventstore.keystore import SubjectShredded

log = logging.getLogger("chronicle.api")

STATUS = {
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
    Invalid: 400,
    Unauthenticated: 401,
    Unavailable: 503,
}
INVALID = "Invalid request data"

# Statuses whose body is fixed, whatever the detail says (LibreChat's wording).
FIXED = {
    401: {"message": "Unauthorized"},
    404: {"message": "Not Found"},
    413: {"message": "Request entity too large"},
}


def _body(message: str) -> dict[str, str]:
    return {"error": message, "message": message}


def domain_error(_: Request[Any, Any, Any], error: DomainError) -> Response[Any]:
    status = next((s for cls, s in STATUS.items() if isinstance(error, cls)), 400)
    headers = {"Retry-After": "1"} if status == 503 else None
    return Response(_body(str(error) or type(error).__name__), status_code=status, headers=headers)


def validation_error(_: Request[Any, Any, Any], error: ValidationException) -> Response[Any]:
    """Wrong types and missing fields: one short reason, never the schema internals."""
    return Response({"error": INVALID, "message": validation_reason(error)}, status_code=400)


def validation_reason(error: ValidationException) -> str:
    reasons = [_reason(e) for e in (error.extra or []) if isinstance(e, dict)]
    return "; ".join(r for r in reasons if r) or str(error.detail)


def _reason(extra: dict[str, Any]) -> str:
    message, key = str(extra.get("message", "")), extra.get("key")
    if key and message == repr(key):  # a missing value surfaces as its KeyError's text
        return "Request body is required" if key == "data" else f"{key} is required"
    if key and key != "data":  # a field of the body's Struct: say which (`arg.title`)
        return f"Invalid {key}: {message}"
    return message


_MISSING = re.compile(r"missing required field `(?P<field>[^`]+)`")


def refused_field(error: ValidationException) -> tuple[str, str] | None:
    """The body field a route's Struct refused (missing, or of the wrong type) with msgspec's
    reason; None when the body as a whole is refused (absent, or not an object). Routes that
    answer a bad field in LibreChat's own words (registration, login) tell the two apart."""
    for extra in error.extra or []:
        if not isinstance(extra, dict) or extra.get("source") != "body":
            continue
        key, message = extra.get("key"), str(extra.get("message", ""))
        if key != "data":
            return str(key), message
        if missing := _MISSING.search(message):
            return missing["field"], message
    return None


def http_error(request: Request[Any, Any, Any], error: HTTPException) -> Response[Any]:
    status = error.status_code
    if isinstance(error, NotAuthorizedException):
        status = 401
    if status in FIXED:
        return Response(FIXED[status], status_code=status, headers=error.headers)
    if status >= 500:
        return internal_error(request, error)
    detail = str(error.detail or "")
    # A body that does not decode (malformed JSON, bad bytes) is invalid request data too.
    body = {"error": INVALID, "message": detail} if status == 400 else _body(detail)
    return Response(body, status_code=status, headers=error.headers)


def shredded(_: Request[Any, Any, Any], error: SubjectShredded) -> Response[Any]:
    """A write for an account whose key is gone: that account no longer exists, whichever
    route got there first (the revocation check normally answers before)."""
    return Response(FIXED[401], status_code=401)


def bad_data(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """The database could not take a value of the request (a NUL in a query parameter, a
    number out of a column's range): the request is at fault, and nothing was done."""
    log.warning("database refused a value on %s %s: %s", request.method, request.url.path, error)
    return Response({"error": INVALID, "message": INVALID}, status_code=400)


def unavailable(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """The database or Redis is unreachable (restarting, failing over): nothing was done,
    and the client may retry."""
    log.warning("backing service unavailable on %s %s: %s", request.method, request.url.path, error)
    return Response(
        {"message": "Service Unavailable"},
        status_code=503,
        headers={"Retry-After": "1"},
        media_type=MediaType.JSON,
    )


def internal_error(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """Logged with its traceback here; the client learns nothing about the inside."""
    log.error(
        "unhandled error on %s %s",
        request.method,
        request.url.path,
        exc_info=(type(error), error, error.__traceback__),
    )
    return Response(
        {"message": "Internal Server Error"},
        status_code=HTTP_500_INTERNAL_SERVER_ERROR,
        media_type=MediaType.JSON,
    )


HANDLERS: dict[Any, Any] = {
    sqlalchemy.exc.DataError: bad_data,
    psycopg.DataError: bad_data,
    sqlalchemy.exc.OperationalError: unavailable,
    sqlalchemy.exc.DisconnectionError: unavailable,
    psycopg.OperationalError: unavailable,
    eventsourcing.persistence.OperationalError: unavailable,
    redis.ConnectionError: unavailable,
    SubjectShredded: shredded,
    DomainError: domain_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    Exception: internal_error,
}
