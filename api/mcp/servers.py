"""/api/mcp/servers (LibreChat's user-managed MCP server CRUD): list what the caller may use,
create (the creator owns it), read, change and delete under the mcpServer ACL."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import Provide

from api.deps import container_of, provide_user_id
from api.mcp.access import forbidden, role_flags
from api.mcp.presenters import server_json
from api.mcp.schemas import ServerBody
from application.mcp.config import user_server
from application.mcp.domains import DomainNotAllowed
from application.mcp.service import Visible
from domain.mcp.config import InvalidConfig
from domain.mcp.server import McpServer
from domain.permissions.model import PermissionBits
from domain.shared.errors import Conflict, Forbidden, Invalid, NotFound

AUTH = {"user_id": Provide(provide_user_id)}
PRIVATE = {"Cache-Control": "private, no-store"}


class McpServersController(Controller):
    path = "/api/mcp/servers"

    @get("/", dependencies=AUTH)
    async def list_servers(self, request: Request[Any, Any, Any], user_id: UUID) -> Response[Any]:
        if not await role_flags(request, user_id, "USE"):
            return forbidden()
        visible = await asyncio.to_thread(container_of(request).mcp.visible, user_id)
        body = {name: server_json(v) for name, v in visible.items()}
        return Response(body, headers=PRIVATE)

    @post("/", dependencies=AUTH, status_code=201)
    async def create_server(
        self, request: Request[Any, Any, Any], user_id: UUID, data: ServerBody
    ) -> Response[Any]:
        if not await role_flags(request, user_id, "USE", "CREATE"):
            return forbidden()
        mcp = container_of(request).mcp

        def run() -> dict[str, Any]:
            server = mcp.create(user_id, data.config)
            return {"serverName": server.server_name, **_shown(mcp, user_id, server)}

        return await _command(run, 201)

    @get("/{server_name:str}", dependencies=AUTH)
    async def get_server(
        self, request: Request[Any, Any, Any], user_id: UUID, server_name: str
    ) -> Response[Any]:
        if not await role_flags(request, user_id, "USE"):
            return forbidden()
        mcp = container_of(request).mcp

        def run() -> dict[str, Any]:
            visible = mcp.find(user_id, server_name)
            if visible is None:
                mcp.require(user_id, server_name, PermissionBits.VIEW)  # its refusal
                raise NotFound("MCP server not found")
            return server_json(visible)

        return await _command(run, 200)

    @patch("/{server_name:str}", dependencies=AUTH)
    async def update_server(
        self, request: Request[Any, Any, Any], user_id: UUID, server_name: str, data: ServerBody
    ) -> Response[Any]:
        if not await role_flags(request, user_id, "USE", "CREATE"):
            return forbidden()
        container = container_of(request)

        def run() -> dict[str, Any]:
            server = container.mcp.update(user_id, server_name, data.config)
            return _shown(container.mcp, user_id, server)

        response = await _command(run, 200)
        if response.status_code == 200:  # a connection opened with the old config goes
            await container.mcp_connections.disconnect(server_name)
        return response

    @delete("/{server_name:str}", dependencies=AUTH, status_code=200)
    async def delete_server(
        self, request: Request[Any, Any, Any], user_id: UUID, server_name: str
    ) -> Response[Any]:
        if not await role_flags(request, user_id, "USE", "CREATE"):
            return forbidden()
        container = container_of(request)

        def run() -> dict[str, Any]:
            container.mcp.delete(user_id, server_name)
            return {"message": "MCP server deleted successfully"}

        response = await _command(run, 200)
        if response.status_code == 200:
            await container.mcp_connections.disconnect(server_name)
        return response


def _shown(mcp: Any, user_id: UUID, server: McpServer) -> dict[str, Any]:
    config = user_server(server.server_name, server.config)
    return server_json(Visible(config, str(server.resource_id), str(user_id), True))


async def _command(run: Any, status: int) -> Response[Any]:
    """A command's answer; its refusals in LibreChat's statuses and words."""
    try:
        body = await asyncio.to_thread(run)
    except InvalidConfig as error:
        return Response({"message": str(error), "errors": error.errors}, status_code=400)
    except DomainNotAllowed as error:
        return Response({"error": error.code, "message": str(error)}, status_code=403)
    except NotFound as error:
        return Response({"error": "Not Found", "message": str(error)}, status_code=404)
    except Forbidden as error:
        return Response({"error": "Forbidden", "message": str(error)}, status_code=403)
    except Conflict as error:
        return Response({"message": str(error)}, status_code=409)
    except Invalid as error:
        return Response({"message": str(error)}, status_code=400)
    return Response(body, status_code=status, headers=PRIVATE)
