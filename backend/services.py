"""Everything built once per app lifetime, handed to routes through typed dependencies."""

import asyncio
import logging
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from datetime import timedelta

import httpx
from agents import Model, RunConfig
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session

from agent.factory import build_agent
from agent.models.provider import build_model, close_model, model_settings
from agent.titles import title_agent
from backend.activity.retention import RetentionLoop
from backend.auth.jwks import JwksCache
from backend.auth.tokens import hs256_secret
from backend.auth.verifier import TokenVerifier, mcp_verifier
from backend.broker.base import Broker
from backend.broker.factory import build_broker
from backend.broker.stream_slots import build_stream_slots
from backend.chatkit.server import TodoChatKitServer
from backend.chatkit.threads import ThreadStore
from backend.chatkit.turns import Turns
from backend.conversations.chat import ChatRuntime
from backend.conversations.titles import TITLE_TIMEOUT_SECONDS, ModelTitles
from backend.db.embedded import EmbeddedPostgres
from backend.db.engine import SessionMaker, StoreLimits, create_engine, create_sessionmaker
from backend.feed.on_commit import publish_changes_on_commit
from backend.feed.reminders import reminders_on_feed
from backend.limits.streams import StreamLimit
from backend.runs.owner import RunDeps
from backend.runs.registry import Runs
from backend.runs.servers import Servers
from backend.settings import Settings
from backend.tasks.reminders import Publish, ReminderLoop
from backend.usage.budget import TokenBudget
from mcp_tools.bridge import InProcessMCPServer
from mcp_tools.confirm import approval_policy
from mcp_tools.http import RemoteMCP, create_remote_mcp
from mcp_tools.server import create_todo_server

log = logging.getLogger(__name__)

# At shutdown, runs are stopped and get this long to store what they have (docs/runs.md);
# a stop ends a run within 2 s unless a tool call is finishing.
RUNS_SHUTDOWN_GRACE_SECONDS = 5.0


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: SessionMaker
    verifier: TokenVerifier
    chat: ChatRuntime
    broker: Broker
    mcp: RemoteMCP
    runs: Runs
    chatkit: TodoChatKitServer
    servers: Servers
    stream_limit: StreamLimit


async def database_url(settings: Settings, stack: AsyncExitStack) -> str:
    if settings.database_url:
        return settings.database_url
    embedded = await asyncio.to_thread(EmbeddedPostgres, settings.data_dir)
    stack.push_async_callback(asyncio.to_thread, embedded.stop)
    return embedded.url


def _tracing_disabled(settings: Settings) -> bool:
    """Export traces only to OpenAI itself, and only with a real key (docs/api.md §3)."""
    return settings.openai_api_key is None or settings.openai_base_url is not None


async def build_chat_runtime(
    settings: Settings,
    sessionmaker: SessionMaker,
    stack: AsyncExitStack,
    *,
    model: Model | None = None,
    openai_http_client: httpx.AsyncClient | None = None,
) -> ChatRuntime:
    """The MCP server, its in-process bridge and the agent: built once, shared by all chats."""
    todo = create_todo_server(sessionmaker)
    policy = approval_policy(settings.chat_confirm, await todo.list_tools())
    tools = InProcessMCPServer(todo, require_approval=policy)
    await tools.connect()
    stack.push_async_callback(tools.cleanup)
    if model is None:
        api_key = settings.openai_api_key
        model = build_model(
            settings.resolved_chat_model,
            api=settings.chat_model_api,
            api_key=api_key.get_secret_value() if api_key else None,
            base_url=settings.openai_base_url,
            timeout=settings.chat_model_timeout,
            http_client=openai_http_client,
        )
        if openai_http_client is None:  # an injected client is its owner's to close
            stack.push_async_callback(close_model, model)
    run_config = RunConfig(tracing_disabled=_tracing_disabled(settings))
    return ChatRuntime(
        titles=_model_titles(settings, sessionmaker, stack, model, run_config, openai_http_client),
        agent=build_agent(
            model, tools, model_settings(settings.chat_model_api), listed=await tools.list_tools()
        ),
        run_config=run_config,
        max_turns=settings.chat_max_turns,
        history_limit=settings.chat_history_messages,
        stale_after=timedelta(seconds=settings.chat_run_stale_seconds),
        max_tool_calls=settings.chat_max_tool_calls,
        max_destructive_calls=settings.chat_max_destructive_calls,
        max_runs_per_user=settings.chat_max_streams_per_user,
        approval_after=timedelta(seconds=settings.chat_approval_seconds),
        model_name=settings.resolved_chat_model,
        history_tokens=settings.chat_history_tokens,
    )


def _model_titles(
    settings: Settings,
    sessionmaker: SessionMaker,
    stack: AsyncExitStack,
    chat_model: Model,
    run_config: RunConfig,
    openai_http_client: httpx.AsyncClient | None,
) -> ModelTitles | None:
    """Titles by the model (CHAT_TITLE_MODEL), or None with no provider or `none`."""
    name = settings.resolved_title_model
    if name is None:
        return None
    model = chat_model
    if name != settings.resolved_chat_model:
        api_key = settings.openai_api_key
        model = build_model(
            name,
            api=settings.chat_model_api,
            api_key=api_key.get_secret_value() if api_key else None,
            base_url=settings.openai_base_url,
            timeout=settings.chat_model_timeout,
            http_client=openai_http_client,
        )
        if openai_http_client is None:
            stack.push_async_callback(close_model, model)
    agent = title_agent(model, model_settings(settings.chat_model_api))
    timeout = min(TITLE_TIMEOUT_SECONDS, settings.chat_model_timeout)
    titles = ModelTitles(sessionmaker, agent, run_config, timeout)
    stack.push_async_callback(titles.close)
    return titles


async def build_services(
    settings: Settings,
    stack: AsyncExitStack,
    *,
    model: Model | None = None,
    openai_http_client: httpx.AsyncClient | None = None,
    publish_reminder: Publish | None = None,
) -> Services:
    url = await database_url(settings, stack)
    engine = create_engine(
        url,
        pooler=settings.database_pooler,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
    )
    stack.push_async_callback(engine.dispose)
    jwks = None
    if settings.auth_jwks_url:
        http = await stack.enter_async_context(httpx.AsyncClient())
        jwks = JwksCache(settings.auth_jwks_url, http)
    verifier = TokenVerifier(
        secret=hs256_secret(settings),
        jwks=jwks,
        issuer=settings.auth_issuer,
        audience=settings.auth_audience,
        leeway_seconds=settings.auth_leeway_seconds,
        refused_audience=settings.mcp_resource,
    )
    broker = build_broker(settings.redis_url, settings.redis_key_prefix)
    stack.push_async_callback(broker.close)
    stream_slots = build_stream_slots(settings.redis_url, settings.redis_key_prefix)
    stack.push_async_callback(stream_slots.close)
    # A class of this app's own: the listeners registered on it leave with the app.
    session_class = type("AppSession", (Session,), {})
    publish_changes_on_commit(session_class, broker)
    sessionmaker = create_sessionmaker(
        engine,
        session_class,
        StoreLimits(
            tasks_per_user=settings.tasks_per_user,
            search_timeout_ms=round(settings.db_search_timeout * 1000),
        ),
    )
    reminders = ReminderLoop(
        sessionmaker,
        publish_reminder or reminders_on_feed(broker),
        interval_seconds=settings.reminder_interval_seconds,
    )
    await stack.enter_async_context(reminders.running())
    retention = RetentionLoop(sessionmaker, settings.activity_retention_days)
    await stack.enter_async_context(retention.running())
    chat = await build_chat_runtime(
        settings, sessionmaker, stack, model=model, openai_http_client=openai_http_client
    )
    chat = replace(chat, budget=TokenBudget(broker, settings.chat_tokens_per_day))
    mcp = create_remote_mcp(settings, sessionmaker, mcp_verifier(settings, verifier), broker)
    await stack.enter_async_context(mcp.running())
    # The beat has a connection of its own: a pool full of busy runs must not delay it.
    beat_engine = create_engine(
        url, pooler=settings.database_pooler, pool_size=1, max_overflow=1, pool_timeout=10
    )
    stack.push_async_callback(beat_engine.dispose)
    servers = Servers(beat_engine, sessionmaker, broker, settings.chat_resume_seconds)
    await stack.enter_async_context(servers.running())
    deps = RunDeps(broker, sessionmaker, chat, settings.chat_resume_seconds, servers.id)
    runs = Runs(deps, servers)
    # Left before the broker and the engine close: stopped runs still store their answers.
    stack.push_async_callback(runs.shutdown, RUNS_SHUTDOWN_GRACE_SECONDS)
    return Services(
        settings=settings,
        engine=engine,
        sessionmaker=sessionmaker,
        verifier=verifier,
        chat=chat,
        broker=broker,
        mcp=mcp,
        runs=runs,
        chatkit=TodoChatKitServer(
            ThreadStore(sessionmaker, chat.stale_after),
            Turns(
                runs,
                broker,
                settings.chat_requests_per_minute,
                settings.chat_max_streams_per_user,
                chat.budget,
                chat.titles,
            ),
        ),
        servers=servers,
        stream_limit=StreamLimit(stream_slots, settings.streams_per_user),
    )
