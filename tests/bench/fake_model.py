"""The bench's model: the tests' fake OpenAI server in a process of its own.

A user message containing `TOOL_MARK` gets one `add_task` call, then (once the tool's output
came back) a filler reply; any other message gets the filler reply at once. Pacing is changed
between phases through `POST /bench/config`, so every baseline and todo-chat talk to the same
server with the same knobs.

`python -m tests.bench.fake_model --port 8100`
"""

import argparse
from collections.abc import Mapping, Sequence
from typing import Any

import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.openai_frames import Call, Reply, ToolCalls, Turn, last_item_is_tool_output
from tests.fakes.openai_server import FakeConfig, create_fake_openai_app

TOOL_MARK = "[tool]"
TOOL_NAME = "add_task"
TOOL_ARGUMENTS = {"title": "Buy milk"}
KNOBS = ("ttft_seconds", "tokens_per_second", "reply_words", "chunk_size")


def _last_user_text(request: Mapping[str, Any]) -> str:
    items = request.get("input", request.get("messages"))
    if isinstance(items, str):
        return items
    for item in reversed(items if isinstance(items, list) else []):
        if isinstance(item, dict) and item.get("role") == "user":
            content = item.get("content")
            return content if isinstance(content, str) else str(content)
    return ""


def bench_script(request: Mapping[str, Any]) -> Turn:
    if last_item_is_tool_output(request):
        return Reply()
    if TOOL_MARK in _last_user_text(request):
        return ToolCalls([Call(TOOL_NAME, TOOL_ARGUMENTS)])
    return Reply()


def create_app(config: FakeConfig) -> Any:
    app = create_fake_openai_app(config)

    async def configure(request: Request) -> Response:
        changes = await request.json()
        for name, value in changes.items():
            if name not in KNOBS:
                return JSONResponse({"detail": f"unknown knob {name}"}, status_code=400)
            setattr(config, name, type(getattr(config, name))(value))
        return JSONResponse({name: getattr(config, name) for name in KNOBS})

    app.router.routes.append(Route("/bench/config", configure, methods=["POST"]))
    return app


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The bench's fake OpenAI-compatible model")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    app = create_app(FakeConfig(script=bench_script))
    uvicorn.run(app, host=args.host, port=args.port, lifespan="off", ws="none",
                access_log=False, log_level="warning", backlog=4096)  # fmt: skip


if __name__ == "__main__":
    main()
