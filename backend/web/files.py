"""The page's files as a browser should get them: gzip-compressed, and kept by the browser but
revalidated on every load (`Cache-Control: no-cache` with an ETag and Last-Modified), so a
reload costs a `304` per file and a new release shows at once (docs/web.md).

Compression is scoped to these files: the API's streams (SSE) never pass through it.
"""

import os
from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import FileResponse, Response
from starlette.staticfiles import NotModifiedResponse, PathLike, StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

REVALIDATE = "no-cache"
# Below this a gzip header costs more than it saves.
GZIP_MINIMUM_BYTES = 500
# zlib's default level: within a few per cent of 9 on these files, at a fraction of the CPU.
GZIP_LEVEL = 6


class RevalidatedFiles(StaticFiles):
    """Starlette's static files with `Cache-Control: no-cache` and a weak ETag (the bytes on
    the wire differ once compressed; the file is the same), answering `304` when the
    browser's copy is current. `headers` go on every file it serves."""

    def __init__(self, *, directory: PathLike, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(directory=directory)
        self._headers = {**(headers or {}), "Cache-Control": REVALIDATE}

    def file_response(
        self,
        full_path: PathLike,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = FileResponse(
            full_path, status_code=status_code, stat_result=stat_result, headers=self._headers
        )
        response.headers["etag"] = f"W/{response.headers['etag']}"
        if self.is_not_modified(response.headers, Headers(scope=scope)):
            return NotModifiedResponse(response.headers)
        return response

    def is_not_modified(self, response_headers: Headers, request_headers: Headers) -> bool:
        """Weak comparison (RFC 9110 §13.1.2), then Starlette's If-Modified-Since."""
        if_none_match = request_headers.get("if-none-match")
        if if_none_match is None:
            return super().is_not_modified(response_headers, request_headers)
        ours = _opaque(response_headers["etag"])
        return any(tag.strip() == "*" or _opaque(tag) == ours for tag in if_none_match.split(","))


def _opaque(tag: str) -> str:
    return tag.strip().removeprefix("W/")


def compressed(app: ASGIApp) -> ASGIApp:
    """`app`'s responses gzipped for clients that accept it (with `Vary: Accept-Encoding`)."""
    return GZipMiddleware(app, minimum_size=GZIP_MINIMUM_BYTES, compresslevel=GZIP_LEVEL)


class SingleFile:
    """One file of `files` at a path of its own (the page at `/`)."""

    def __init__(self, files: ASGIApp, name: str) -> None:
        self._files = files
        self._path = f"/{name}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope = {**scope, "path": self._path, "root_path": "", "raw_path": self._path.encode()}
        await self._files(scope, receive, send)
