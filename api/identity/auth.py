"""/api/auth: register, login, refresh (rotating the refresh cookie), logout."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from litestar import MediaType, Request, Response, delete, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.di import Provide
from litestar.exceptions import ValidationException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import JSONBody

from api.deps import container_of, provide_user_id
from api.errors import refused_field, validation_error
from api.identity.presenters import user_json
from api.identity.schemas import LoginBody, RegisterBody, registration_refusal
from api.limits import LOGIN, REGISTER, Refused
from application import accounts
from application.identity.abuse import Refusal
from application.identity.bans import user_id_for_email
from application.identity.ports import ExpiredToken, InvalidToken
from application.identity.service import SignedIn
from domain.identity.rules import ADMIN
from domain.shared.errors import Invalid, NotFound, Unauthenticated

REGISTERED = "Please check your email to verify your email address."
NOT_FOUND_REFRESH = "Refresh token expired or not found for this user"
INVALID_CREDENTIALS = "Invalid credentials"


def _registration_open(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """LibreChat's validateRegistration: it runs before the body is read, so a closed
    registration answers 403 whatever was sent."""
    if not connection.app.state.container.settings.allow_registration:
        raise Refused(Refusal(status=403, body={"message": "Registration is not allowed."}))


def _registration_refused(
    request: Request[Any, Any, Any], error: ValidationException
) -> Response[Any]:
    refused = refused_field(error)
    if refused is None:
        return validation_error(request, error)
    # LibreChat answers validation errors with 404
    return Response({"message": registration_refusal(*refused)}, status_code=404)


def _login_refused(request: Request[Any, Any, Any], error: ValidationException) -> Response[Any]:
    if refused_field(error) is None:
        return validation_error(request, error)
    return Response({"message": INVALID_CREDENTIALS}, status_code=400)


@post(
    "/api/auth/register",
    status_code=200,
    sync_to_thread=True,
    guards=[*REGISTER, _registration_open],
    exception_handlers={ValidationException: _registration_refused},
)
def register(request: Request[Any, Any, Any], data: JSONBody[RegisterBody]) -> Response[Any]:
    container = container_of(request)
    try:
        done = container.identity.register(
            name=data.name,
            email=data.email,
            password=data.password,
            confirm=data.confirm_password,
            username=data.username,
        )
    except Invalid as error:  # LibreChat answers validation errors with 404
        return Response({"message": str(error)}, status_code=404)
    if done.user_id is not None:
        container.billing.open_after_registration(done.user_id)
    return Response({"message": REGISTERED})


@post(
    "/api/auth/login",
    status_code=200,
    sync_to_thread=True,
    guards=LOGIN,
    exception_handlers={ValidationException: _login_refused},
)
def login(request: Request[Any, Any, Any], data: JSONBody[LoginBody]) -> Response[Any]:
    if banned := _banned(request, data.email):
        return banned
    try:
        signed = container_of(request).identity.login(
            data.email, data.password, _ip(request), request.headers.get("user-agent", "")[:512]
        )
    except Unauthenticated as error:
        return Response({"message": str(error)}, status_code=422)
    return _signed_in(request, signed)


@post("/api/auth/refresh", status_code=200, sync_to_thread=True)
def refresh(request: Request[Any, Any, Any]) -> Response[Any]:
    token = request.cookies.get("refreshToken")
    if not token:
        return Response("Refresh token not provided", media_type=MediaType.TEXT)
    try:
        signed = container_of(request).identity.refresh(token, _ip(request))
    except ExpiredToken:
        return Response("Refresh token expired", status_code=403, media_type=MediaType.TEXT)
    except InvalidToken:
        return Response("Invalid refresh token", status_code=403, media_type=MediaType.TEXT)
    except Unauthenticated:
        return Response(NOT_FOUND_REFRESH, status_code=401, media_type=MediaType.TEXT)
    return _signed_in(request, signed)


@post(
    "/api/auth/logout",
    status_code=200,
    sync_to_thread=True,
    dependencies={"user_id": Provide(provide_user_id)},
)
def logout(request: Request[Any, Any, Any], user_id: UUID) -> Response[Any]:
    container_of(request).identity.logout(request.cookies.get("refreshToken"))
    return Response({"message": "Logout successful"}, cookies=_cleared_cookies())


@delete(
    "/api/user/delete",
    status_code=200,
    sync_to_thread=True,
    dependencies={"user_id": Provide(provide_user_id)},
)
def delete_account(request: Request[Any, Any, Any], user_id: UUID) -> Response[Any]:
    container = container_of(request)
    try:
        if not _may_delete_account(container, user_id):
            return Response({"message": CANNOT_DELETE}, status_code=403)
        accounts.delete_account(container.bulk, container.identity, user_id)
    except NotFound:
        return Response({"message": "Unauthorized"}, status_code=401)
    return Response({"message": "User deleted"}, cookies=_cleared_cookies())


CANNOT_DELETE = "You do not have permission to delete this account"


def _may_delete_account(container: Any, user_id: UUID) -> bool:
    """LibreChat's canDeleteAccount: ALLOW_ACCOUNT_DELETION (default true), else admins only."""
    settings = container.settings
    return bool(settings.allow_account_deletion) or (
        container.identity.profile(user_id).role == ADMIN
    )


def _cleared_cookies() -> list[Cookie]:
    """The session cookies, expired: the browser drops them."""
    expired = int(datetime(1970, 1, 1, tzinfo=UTC).timestamp())
    return [
        Cookie(key=k, value="", expires=expired, path="/", httponly=True)
        for k in ("refreshToken", "token_provider")
    ]


@get("/api/user", sync_to_thread=True, dependencies={"user_id": Provide(provide_user_id)})
def current_user(request: Request[Any, Any, Any], user_id: UUID) -> Response[Any]:
    try:
        container = container_of(request)
        profile = container.identity.profile(user_id)
        return Response(user_json(profile, memories=container.memories.enabled(user_id)))
    except NotFound:
        return Response({"message": "Unauthorized"}, status_code=401)


def _signed_in(request: Request[Any, Any, Any], signed: SignedIn) -> Response[Any]:
    secure = container_of(request).settings.secure_cookies
    expires = int(signed.refresh_expires_at.timestamp())
    cookies = [
        Cookie(
            key="refreshToken",
            value=signed.refresh_token,
            expires=expires,
            httponly=True,
            secure=secure,
            samesite="strict",
            path="/",
        ),
        Cookie(
            key="token_provider",
            value="librechat",
            expires=expires,
            httponly=True,
            secure=secure,
            samesite="strict",
            path="/",
        ),
    ]
    return Response({"token": signed.token, "user": user_json(signed.user)}, cookies=cookies)


def _banned(request: Request[Any, Any, Any], email: str) -> Response[Any] | None:
    """checkBan by the account the email names (LibreChat looks the user up the same way)."""
    container = container_of(request)
    if not container.settings.ban_violations:
        return None
    identity = container.identity
    user_id = user_id_for_email(identity.store, identity.email_claim_id, email)
    refusal = container.abuse.banned(_ip(request), user_id) if user_id else None
    return Response(refusal.body, status_code=refusal.status) if refusal else None


def _ip(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else ""


ROUTES = [register, login, refresh, logout, current_user, delete_account]
