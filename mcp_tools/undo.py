"""`undo_last_change`: the chat's "undo", "undo that", "take that back" (docs/api.md
"Activity and undo"), for every MCP client too.

In a chat it undoes the changes of the conversation's last answer that changed something
(not the answer being written now); over /mcp, the last changes made over /mcp. Repeating it
walks further back; an undo is itself never what the next undo takes back.
"""

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel

from backend.activity.record import Origin
from backend.activity.store import ActivityStore, Entry
from backend.activity.undo import undo
from backend.db.engine import SessionMaker
from backend.http.errors import AlreadyUndone, UndoConflict
from mcp_tools.results import tool_error
from mcp_tools.tasks import Made, Owner

NOTHING = "There is no change of mine to undo."


class UndoneChange(BaseModel):
    entry_id: int
    action: str
    task_id: int
    title: str


class UndoResult(BaseModel):
    status: str = "undone"
    undone: list[UndoneChange]
    count: int


def _change(entry: Entry) -> UndoneChange:
    task = entry.after or entry.before or {}
    return UndoneChange(
        entry_id=entry.number,
        action=entry.action,
        task_id=entry.task_number,
        title=str(task.get("title", "")),
    )


def _result(entries: list[Entry]) -> CallToolResult:
    result = UndoResult(undone=[_change(e) for e in entries], count=len(entries))
    return CallToolResult(
        structured_content=result.model_dump(mode="json"),
        content=[TextContent(type="text", text=result.model_dump_json())],
    )


async def _undo_last(sessionmaker: SessionMaker, owner: str, origin: Origin) -> CallToolResult:
    async with sessionmaker.begin() as session:
        last = await ActivityStore(session, owner).lock_last_batch(
            conversation=origin.conversation, source=origin.source, not_batch=origin.batch
        )
        if not last:
            return tool_error(NOTHING)
        return _result(await undo(session, owner, last, origin))


def register_undo_tool(server: MCPServer, sessionmaker: SessionMaker) -> None:
    @server.tool(
        title="Undo the last change",
        description="Undo the changes of your last answer that changed tasks (in this chat; "
        "over MCP, the last changes made over MCP): a deleted task comes back, a created one "
        "goes, an update is reverted. Use it when the user says 'undo', 'undo that' or "
        "'take that back'. Calling it again goes one change further back.",
        annotations=ToolAnnotations(
            title="Undo the last change",
            read_only_hint=False,
            destructive_hint=True,
            idempotent_hint=False,
            open_world_hint=False,
        ),
    )
    async def undo_last_change(owner: Owner, origin: Made) -> Annotated[CallToolResult, UndoResult]:
        try:
            return await _undo_last(sessionmaker, owner, origin)
        except (UndoConflict, AlreadyUndone) as error:
            return tool_error(error.detail)
