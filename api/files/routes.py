"""/api/files (LibreChat's files.js, images.js, avatar.js), and the `/images/:userId/:file`
path its client loads attachments from. Handlers are async (multipart parsing awaits) and
run the services in a thread."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote
from uuid import UUID

import anyio
from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import UploadFile
from litestar.di import Provide

from api.deps import container_of, provide_user_id
from api.files.presenters import file_json, uploaded_json
from application.files.service import Files, TooLarge, Upload
from domain.shared.errors import DomainError, Invalid, NotFound

AUTH = {"user_id": Provide(provide_user_id)}
MAX_UPLOAD = 512 * 1024 * 1024 + 64 * 1024  # LibreChat's serverFileSizeLimit, plus the form
NOT_FOUND = {"error": "Not Found", "message": "File not found"}
DENIED = {"error": "Forbidden", "message": "Insufficient permissions to access this file"}


def _files(request: Request[Any, Any, Any]) -> Files:
    return container_of(request).files


def _uuid(value: Any) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


async def _upload(request: Request[Any, Any, Any], *, image: bool, avatar: bool) -> Upload:
    """The one `file` part and the form's fields; a second file part is refused (multer's
    `upload.single('file')`)."""
    form = await request.form()
    parts = [v for _, v in form.multi_items() if isinstance(v, UploadFile)]
    if not parts:
        raise Invalid("No file provided")
    if len(parts) > 1:
        raise Invalid("Too many files: one file per upload")
    part = parts[0]
    data = await part.read()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    return Upload(
        filename=part.filename or "",
        declared_type=part.content_type or "",
        data=data,
        file_id=fields.get("file_id"),
        endpoint=fields.get("endpoint"),
        image=image,
        avatar=avatar,
    )


def _refused(error: Invalid) -> Response[Any]:
    status = 413 if isinstance(error, TooLarge) else 400
    return Response({"message": str(error)}, status_code=status)


def content_disposition(filename: str) -> str:
    """LibreChat's `getContentDisposition`: an ASCII fallback and the UTF-8 name."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


class FilesController(Controller):
    path = "/api/files"
    dependencies = AUTH

    @get("/")
    async def list_files(self, request: Request[Any, Any, Any], user_id: UUID) -> Response[Any]:
        rows = await anyio.to_thread.run_sync(_files(request).own, user_id)
        return Response([file_json(r) for r in rows])

    @get("/config")
    async def config(self, request: Request[Any, Any, Any], user_id: UUID) -> Response[Any]:
        """`appConfig.fileConfig` as LibreChat sends it: the section as written (the client
        merges it over the defaults itself); nothing configured: `{}`."""
        return Response(dict(_files(request).limits.raw))

    @post("/", request_max_body_size=MAX_UPLOAD, status_code=200)
    async def upload(self, request: Request[Any, Any, Any], user_id: UUID) -> Response[Any]:
        return await self._store(request, user_id, image=False)

    @post("/images", request_max_body_size=MAX_UPLOAD, status_code=200)
    async def upload_image(self, request: Request[Any, Any, Any], user_id: UUID) -> Response[Any]:
        return await self._store(request, user_id, image=True)

    async def _store(
        self, request: Request[Any, Any, Any], user_id: UUID, *, image: bool
    ) -> Response[Any]:
        try:
            upload = await _upload(request, image=image, avatar=False)
            record = await anyio.to_thread.run_sync(_files(request).upload, user_id, upload)
        except Invalid as error:
            return _refused(error)
        return Response(uploaded_json(str(user_id), record))

    @post("/images/avatar", request_max_body_size=MAX_UPLOAD, status_code=200)
    async def avatar(self, request: Request[Any, Any, Any], user_id: UUID) -> Response[Any]:
        """The picture, shrunk to 250 px and stored as WebP; answers its `url`."""
        try:
            upload = await _upload(request, image=True, avatar=True)
            record = await anyio.to_thread.run_sync(_files(request).upload, user_id, upload)
        except Invalid as error:
            return _refused(error)
        return Response({"url": record["filepath"]})

    @delete("/", status_code=200)
    async def delete_files(self, request: Request[Any, Any, Any], user_id: UUID) -> Response[Any]:
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return Response({"message": "Invalid request data"}, status_code=400)
        listed = body.get("files") if isinstance(body, dict) else None
        if not isinstance(listed, list):
            return Response({"message": "Error in request", "error": "files"}, status_code=400)
        ids = [
            _uuid(f.get("file_id"))
            for f in listed
            if isinstance(f, dict) and f.get("file_id") and f.get("filepath")
        ]
        file_ids = [i for i in ids if i is not None]
        if not file_ids:
            return Response(None, status_code=204)
        removed = await anyio.to_thread.run_sync(_files(request).delete, user_id, file_ids)
        if removed.not_owned:
            return Response(
                {
                    "message": "You can only delete files you own",
                    "unauthorizedFiles": [str(f) for f in removed.not_owned],
                },
                status_code=403,
            )
        return Response({"message": "Files deleted successfully"})

    @get("/download/{owner:str}/{file_id:str}")
    async def download(
        self, request: Request[Any, Any, Any], user_id: UUID, owner: str, file_id: str
    ) -> Response[Any]:
        found = await self._read(request, user_id, owner, file_id)
        if isinstance(found, Response):
            return found
        row, data = found
        metadata = {k: v for k, v in file_json(row).items() if k not in ("_id", "user")}
        headers = {
            "Content-Disposition": content_disposition(row["filename"]),
            "X-File-Metadata": quote(json.dumps(metadata, separators=(",", ":"))),
        }
        return Response(data, media_type="application/octet-stream", headers=headers)

    @get("/{file_id:str}/preview")
    async def preview(
        self, request: Request[Any, Any, Any], user_id: UUID, file_id: str
    ) -> Response[Any]:
        found = await self._read(request, user_id, None, file_id, data=False)
        if isinstance(found, Response):
            return found
        row = found[0]
        payload: dict[str, Any] = {"file_id": row["file_id"], "status": "ready"}
        if row.get("text") is not None:
            payload["text"], payload["textFormat"] = row["text"], "text"
        return Response(payload)

    async def _read(
        self,
        request: Request[Any, Any, Any],
        user_id: UUID,
        owner: str | None,
        file_id: str,
        data: bool = True,
    ) -> tuple[dict[str, Any], bytes] | Response[Any]:
        """LibreChat's `fileAccess`: a file nobody has is 404 `File not found`; someone
        else's is 403 (access through a shared conversation or agent is not granted yet)."""
        fid = _uuid(file_id)
        if fid is None:
            return Response(NOT_FOUND, status_code=404)
        files = _files(request)
        owners = await anyio.to_thread.run_sync(files.owners_of, fid)
        if owner is not None:
            owners = [o for o in owners if str(o) == owner]
        if user_id not in owners:
            return Response(DENIED if owners else NOT_FOUND, status_code=403 if owners else 404)
        try:
            row = await anyio.to_thread.run_sync(files.get, user_id, fid)
            blob = await anyio.to_thread.run_sync(files.data, row) if data else b""
        except NotFound:
            return Response(NOT_FOUND, status_code=404)
        return row, blob


@get("/images/{owner:str}/{name:str}", dependencies=AUTH)
async def image(
    request: Request[Any, Any, Any], user_id: UUID, owner: str, name: str
) -> Response[Any]:
    """An image attachment or avatar, for its owner (the web client sends its token)."""
    owner_id = _uuid(owner)
    if owner_id is None or owner_id != user_id or "/" in name:
        return Response({"message": "File not found"}, status_code=404)
    files = _files(request)
    try:
        row = await anyio.to_thread.run_sync(
            files.by_path, user_id, owner_id, f"/images/{owner}/{name}"
        )
        data = await anyio.to_thread.run_sync(files.data, row)
    except DomainError:
        return Response({"message": "File not found"}, status_code=404)
    headers = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}
    return Response(data, media_type=row["type"], headers=headers)


_EXTERNAL = {"engineSTT": {"openai", "azureOpenAI"},
             "engineTTS": {"openai", "azureOpenAI", "elevenlabs", "localai"}}  # fmt: skip


@get("/api/files/speech/config/get", dependencies=AUTH)
async def speech_config(request: Request[Any, Any, Any], user_id: UUID) -> Response[Any]:
    """LibreChat's `getCustomConfigSpeech` over librechat.yaml's `speech.speechTab`. The
    server's own TTS and STT are not served yet, so `sttExternal`/`ttsExternal` stay false
    (the client then uses the browser's engines)."""
    speech = container_of(request).settings.librechat.section("speech")
    settings: dict[str, Any] = {"sttExternal": False, "ttsExternal": False}
    tab = speech.get("speechTab") if isinstance(speech, dict) else None
    if not isinstance(tab, dict):
        return Response(settings)
    if "advancedMode" in tab:
        settings["advancedMode"] = tab["advancedMode"]
    for section, flag in (("speechToText", "speechToText"), ("textToSpeech", "textToSpeech")):
        value = tab.get(section)
        if isinstance(value, bool):
            settings[flag] = value
        elif isinstance(value, dict):
            for key, item in value.items():
                if item is not None:
                    external = item in _EXTERNAL.get(key, set())
                    settings[key] = "external" if external else item
    return Response(settings)


ROUTES: list[Any] = [FilesController, image, speech_config]
