"""Tool calls that wait for the person: pausing a run, and resuming it with their decisions.

A run whose model called a tool that needs approval (mcp_tools/confirm.py) ends with the
SDK's interruptions; its `RunState` is serialized (`paused_state`) and stored by the caller.
`resumed_state` rebuilds it with this turn's run context and applies the decisions: an
approved call runs when the run resumes; a declined one never runs, and the model reads
`DECLINED_OUTPUT` as its result. Calls left undecided pause the resumed run again.
"""

import json
from dataclasses import dataclass
from typing import Any

from agents import Agent, RunContextWrapper, RunResultStreaming, RunState

from agent.context import ChatContext

DECLINED_OUTPUT = "Not done: the person declined this call, so it did not run."


@dataclass(frozen=True, slots=True)
class WaitingCall:
    """A tool call the model made that waits for the person's decision."""

    id: str
    tool: str
    arguments: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Resume:
    """A paused run to continue: its stored state, the calls that waited, and the decisions
    made on them (call id -> approved)."""

    state: dict[str, Any]
    waiting: list[WaitingCall]
    decisions: dict[str, bool]


def waiting_calls(result: RunResultStreaming) -> list[WaitingCall]:
    calls = []
    for item in result.interruptions:
        raw = item.raw_item
        call_id = raw.get("call_id") if isinstance(raw, dict) else getattr(raw, "call_id", None)
        arguments = raw.get("arguments") if isinstance(raw, dict) else getattr(raw, "arguments", "")
        calls.append(WaitingCall(str(call_id), item.tool_name or "", _arguments(arguments)))
    return calls


def paused_state(result: RunResultStreaming) -> dict[str, Any]:
    """The run's state as JSON. The run context stays out: it is rebuilt for the resume
    (who is chatting comes from the request, never from stored state)."""
    return result.to_state().to_json(context_serializer=lambda _: {})


async def resumed_state(
    agent: Agent[ChatContext], resume: Resume, context: ChatContext
) -> RunState[ChatContext, Agent[ChatContext]]:
    state: RunState[ChatContext, Agent[ChatContext]] = await RunState.from_json(
        agent, resume.state, context_override=RunContextWrapper(context)
    )
    for item in state.get_interruptions():
        raw = item.raw_item
        call_id = raw.get("call_id") if isinstance(raw, dict) else getattr(raw, "call_id", None)
        decision = resume.decisions.get(str(call_id))
        if decision is True:
            state.approve(item)
        elif decision is False:
            state.reject(item, rejection_message=DECLINED_OUTPUT)
    return state


def _arguments(raw: object) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(str(raw or "{}"))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
