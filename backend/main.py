"""Composition root: `create_app()` wires settings, database, auth and routers."""

import functools
import gc
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
from agents import Model
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from backend.activity.router import router as activity_router
from backend.approvals.router import router as approvals_router
from backend.auth.before_body import AuthBeforeBodyMiddleware
from backend.chatkit.mentions import router as mentions_router
from backend.chatkit.router import router as chatkit_router
from backend.conversations.router import router as conversations_router
from backend.conversations.versions_router import router as versions_router
from backend.feed.router import router as feed_router
from backend.http.docs_ui import install_docs
from backend.http.error_handlers import install_error_handlers
from backend.http.health import router as health_router
from backend.http.logs import configure_logging
from backend.http.middleware import (
    BodySizeLimitMiddleware,
    HeadAsGetMiddleware,
    RequestIdMiddleware,
)
from backend.metrics.route import RequestMetrics
from backend.metrics.route import router as metrics_router
from backend.runs.router import router as runs_router
from backend.services import build_services
from backend.settings import Settings
from backend.tasks.reminders import Publish
from backend.tasks.router import router as tasks_router
from backend.tasks.router import tags_router
from backend.usage.router import router as usage_router
from backend.web.router import install_page
from mcp_tools.http import mcp_routes

# Young-generation size for the cyclic GC (CPython's default is 700 allocations).
GC_YOUNG_OBJECTS = 10_000


@functools.cache
def _tune_gc() -> None:
    """Once per process, after startup. What exists now (modules, schemas, the agent) lives as
    long as the process: frozen, the cyclic GC stops re-scanning it (a full collection went
    from ~150 ms to ~8 ms at idle). And a server holding many streams keeps ~800 tracked
    objects per stream: with the default thresholds, opening 1,000 streams spent 4 s of 15 s
    in the GC, with full collections pausing every stream for up to 0.5 s; with a larger
    young generation, 1 s of 11 s, and no full collection while they opened."""
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_OBJECTS, middle, old)


def create_app(
    settings: Settings | None = None,
    *,
    model: Model | None = None,
    openai_http_client: httpx.AsyncClient | None = None,
    publish_reminder: Publish | None = None,
) -> FastAPI:
    """`model` replaces the configured model (scripted tests); `openai_http_client` routes
    provider calls through a given httpx client (respx tests); `publish_reminder` receives
    each reminder as it comes due instead of the live feed (tests)."""
    settings = settings or Settings()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            app.state.services = await build_services(
                settings,
                stack,
                model=model,
                openai_http_client=openai_http_client,
                publish_reminder=publish_reminder,
            )
            _tune_gc()
            yield

    app = FastAPI(
        title="todo-chat",
        version="0.1.0",
        summary="A conversational todo backend with a REST task API.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # A redirect would answer before auth, with the request's Host in its Location.
        redirect_slashes=False,
    )
    install_error_handlers(app)
    install_docs(app)
    app.include_router(health_router)
    app.include_router(tasks_router)
    app.include_router(tags_router)
    app.include_router(conversations_router)
    app.include_router(versions_router)
    app.include_router(approvals_router)
    app.include_router(runs_router)
    app.include_router(feed_router)
    app.include_router(activity_router)
    app.include_router(chatkit_router)
    app.include_router(mentions_router)
    app.include_router(usage_router)
    app.include_router(metrics_router)
    install_page(app)
    app.router.routes.extend(mcp_routes(lambda: app.state.services.mcp.app, settings))
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(AuthBeforeBodyMiddleware)
    if settings.cors_origin_list:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Idempotency-Key",
                "X-Request-ID",
                "MCP-Protocol-Version",  # /mcp from browser-based MCP clients
            ],
            expose_headers=["X-Request-ID", "Retry-After", "WWW-Authenticate"],
        )
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(RequestMetrics)
    return app


def __getattr__(name: str) -> FastAPI:
    """`backend.main:app` (for `uvicorn backend.main:app`), built on first access so that
    importing this module reads no settings; the factory is `create_app`."""
    if name == "app":
        application = create_app()
        globals()["app"] = application
        return application
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
