"""CHAT_CONFIRM as the Agents SDK sees it: which of the todo tools wait for the person, and
that the policy reaches the tools the agent is built with (through our bridge)."""

import pytest
from agents import FunctionTool, ModelSettings
from agents.testing import ScriptedModel
from sqlalchemy.ext.asyncio import AsyncEngine

from agent.factory import build_agent
from backend.db.engine import create_sessionmaker
from mcp_tools.bridge import InProcessMCPServer
from mcp_tools.confirm import ConfirmMode, approval_policy
from mcp_tools.server import create_todo_server

# Every tool that writes, undo included (under `changes` an undo waits like any change).
WRITING = ["add_task", "complete_task", "delete_task", "undo_last_change", "update_task"]


@pytest.mark.parametrize(
    ("mode", "waiting"),
    [("deletes", ["delete_task"]), ("changes", WRITING), ("none", [])],
)
async def test_the_policy_reaches_the_agents_tools(
    mode: ConfirmMode, waiting: list[str], database: str, db_engine: AsyncEngine
) -> None:
    todo = create_todo_server(create_sessionmaker(db_engine))
    server = InProcessMCPServer(
        todo, require_approval=approval_policy(mode, await todo.list_tools())
    )
    await server.connect()
    try:
        agent = build_agent(
            ScriptedModel([]), server, ModelSettings(), listed=await server.list_tools()
        )
    finally:
        await server.cleanup()
    tools = [tool for tool in agent.tools if isinstance(tool, FunctionTool)]
    assert len(tools) == 6
    assert sorted(tool.name for tool in tools if tool.needs_approval is True) == waiting
    assert all(tool.needs_approval is False for tool in tools if tool.name not in waiting)
