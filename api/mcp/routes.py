"""/api/mcp (LibreChat's mcp.js, beside the server CRUD in servers.py): the tools of every
server the caller may use, connection status, reinitialize, auth values, and the OAuth
routes. Chronicle runs no MCP OAuth flow yet: no flow ever exists, so the flow routes give
LibreChat's answers for a flow that does not exist."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide

from api.deps import container_of, provide_user_id
from api.mcp.access import forbidden, role_flags
from api.mcp.presenters import tools_server_json
from api.mcp.servers import McpServersController
from application.mcp.ports import McpUnavailable
from application.mcp.service import Visible
from application.mcp.tools import ToolSpec

AUTH = {"user_id": Provide(provide_user_id)}
PRIVATE = {"Cache-Control": "private, no-store"}
OAUTH_TIMEOUT_MS = 120_000  # LibreChat's mcpConfig.OAUTH_HANDLING_TIMEOUT default


def _not_configured(name: str) -> Response[Any]:
    return Response({"error": f"MCP server '{name}' not found in configuration"}, status_code=404)


class McpController(Controller):
    path = "/api/mcp"

    @get("/tools", dependencies=AUTH)
    async def tools(self, request: Request[Any, Any, Any], user_id: UUID) -> Response[Any]:
        if not await role_flags(request, user_id, "USE"):
            return forbidden()
        container = container_of(request)
        visible = await asyncio.to_thread(container.mcp.visible, user_id)
        listed = await asyncio.gather(*(_tools_of(request, user_id, v) for v in visible.values()))
        servers = {
            name: tools_server_json(v, tools)
            for (name, v), tools in zip(visible.items(), listed, strict=True)
        }
        return Response({"servers": servers}, headers=PRIVATE)

    @get("/connection/status", dependencies=AUTH)
    async def statuses(self, request: Request[Any, Any, Any], user_id: UUID) -> Response[Any]:
        container = container_of(request)
        visible = await asyncio.to_thread(container.mcp.visible, user_id)
        status = {name: _status(request, user_id, v) for name, v in visible.items()}
        return Response(
            {"success": True, "connectionStatus": status, "oauthTimeout": OAUTH_TIMEOUT_MS},
            headers=PRIVATE,
        )

    @get("/connection/status/{server_name:str}", dependencies=AUTH)
    async def status(
        self, request: Request[Any, Any, Any], user_id: UUID, server_name: str
    ) -> Response[Any]:
        visible = await asyncio.to_thread(container_of(request).mcp.find, user_id, server_name)
        if visible is None:
            return _not_configured(server_name)
        state = _status(request, user_id, visible)
        return Response(
            {
                "success": True,
                "serverName": server_name,
                "connectionStatus": state["connectionState"],
                "requiresOAuth": state["requiresOAuth"],
                "authorizationState": state["authorizationState"],
            },
            headers=PRIVATE,
        )

    @post("/{server_name:str}/reinitialize", dependencies=AUTH, status_code=200)
    async def reinitialize(
        self, request: Request[Any, Any, Any], user_id: UUID, server_name: str
    ) -> Response[Any]:
        if not await role_flags(request, user_id, "USE"):
            return forbidden()
        container = container_of(request)
        visible = await asyncio.to_thread(container.mcp.find, user_id, server_name)
        if visible is None:
            return _not_configured(server_name)
        config = await asyncio.to_thread(container.mcp.connection_config, visible)
        body: dict[str, Any] = {"serverName": server_name, "oauthRequired": False}
        try:
            tools = await container.mcp_connections.reconnect(config, visible.scope(user_id))
        except McpUnavailable as error:
            failed = {"success": False, "message": str(error), "failureReason": "unreachable"}
            return Response({**failed, **body})
        message = f"MCP server '{server_name}' reinitialized with {len(tools)} tools"
        return Response({"success": True, "message": message, **body})

    @get("/{server_name:str}/auth-values", dependencies=AUTH)
    async def auth_values(
        self, request: Request[Any, Any, Any], user_id: UUID, server_name: str
    ) -> Response[Any]:
        """Chronicle stores no per-user MCP variables yet: every flag is false."""
        if not await role_flags(request, user_id, "USE"):
            return forbidden()
        visible = await asyncio.to_thread(container_of(request).mcp.find, user_id, server_name)
        if visible is None:
            return _not_configured(server_name)
        custom = visible.config.raw.get("customUserVars")
        flags = {key: False for key in custom} if isinstance(custom, dict) else {}
        return Response({"success": True, "serverName": server_name, "authValueFlags": flags})

    # ------------------------------------------------------------- OAuth
    @get("/{server_name:str}/oauth/initiate", dependencies=AUTH)
    async def oauth_initiate(
        self, request: Request[Any, Any, Any], user_id: UUID, server_name: str
    ) -> Response[Any]:
        params = request.query_params
        if params.get("userId") != str(user_id):
            return Response({"error": "User mismatch"}, status_code=403)
        if params.get("flowId") != f"{user_id}:{server_name}":
            return Response({"error": "Flow mismatch"}, status_code=403)
        return Response({"error": "Flow not found"}, status_code=404)

    @get("/{server_name:str}/oauth/callback")
    async def oauth_callback(
        self, request: Request[Any, Any, Any], server_name: str
    ) -> Response[Any]:
        params = request.query_params
        error = params.get("error")
        reason = (
            error
            if error
            else "missing_code"
            if not params.get("code")
            else "missing_state"
            if not params.get("state")
            else "invalid_state"
        )
        from urllib.parse import quote

        return Response(
            None, status_code=302, headers={"Location": f"/oauth/error?error={quote(reason)}"}
        )

    @get("/oauth/tokens/{flow_id:str}", dependencies=AUTH)
    async def oauth_tokens(self, user_id: UUID, flow_id: str) -> Response[Any]:
        if not _may_see_flow(flow_id, user_id):
            return Response({"error": "Access denied"}, status_code=403)
        return Response({"error": "Flow not found"}, status_code=404)

    @get("/oauth/status/{flow_id:str}", dependencies=AUTH)
    async def oauth_status(self, user_id: UUID, flow_id: str) -> Response[Any]:
        if not _may_see_flow(flow_id, user_id):
            return Response({"error": "Access denied"}, status_code=403)
        return Response({"error": "Flow not found"}, status_code=404)

    @post("/{server_name:str}/oauth/bind", dependencies=AUTH, status_code=200)
    async def oauth_bind(self, user_id: UUID, server_name: str) -> dict[str, Any]:
        return {"success": True}

    @post("/oauth/cancel/{server_name:str}", dependencies=AUTH, status_code=200)
    async def oauth_cancel(self, user_id: UUID, server_name: str) -> dict[str, Any]:
        return {"success": True, "message": "No active OAuth flow to cancel"}


def _may_see_flow(flow_id: str, user_id: UUID) -> bool:
    """LibreChat's `canAccessOAuthFlow`: `<userId>:<serverName>`, the caller's or system's."""
    owner, sep, name = flow_id.partition(":")
    return bool(sep and name) and owner in (str(user_id), "system")


async def _tools_of(
    request: Request[Any, Any, Any], user_id: UUID, visible: Visible
) -> list[ToolSpec]:
    """A server that cannot be reached is listed without tools (as LibreChat lists it)."""
    container = container_of(request)
    try:
        config = await asyncio.to_thread(container.mcp.connection_config, visible)
        return await container.mcp_connections.tools(config, visible.scope(user_id))
    except McpUnavailable:
        return []


def _status(request: Request[Any, Any, Any], user_id: UUID, visible: Visible) -> dict[str, Any]:
    state = container_of(request).mcp_connections.state(visible.config, visible.scope(user_id))
    return {
        "connectionState": state,
        "requiresOAuth": False,
        "authorizationState": "not_required",
    }


ROUTES = [McpServersController, McpController]
