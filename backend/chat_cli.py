"""`todo-chat chat "…"`: one chat turn against a running server, streamed as it arrives.

Everything it prints is for a person: tool calls in words ("[Task 3 created: Buy milk]"),
errors as plain sentences (backend/http/plain.py), never a field name, a code or a URL."""

import argparse
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx

from backend.auth.tokens import local_token, parse_ttl
from backend.chatkit import steps
from backend.http.plain import plain_error
from backend.settings import load_settings


def add_chat_command(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    chat = commands.add_parser("chat", help="one chat turn against a running server, streamed")
    chat.add_argument("message")
    chat.add_argument("--user", default=os.environ.get("TODO_CHAT_USER", "me"))
    chat.add_argument("--conversation", type=int, default=None, metavar="N")
    chat.add_argument("--url", default=os.environ.get("TODO_CHAT_URL", "http://127.0.0.1:8000"))
    chat.set_defaults(handler=_chat)


def sse_events(lines: Iterator[str]) -> Iterator[tuple[str, dict[str, object]]]:
    """(event, data) pairs from SSE lines; comments (pings) are skipped."""
    name, data = "message", ""
    for line in lines:
        if line == "":
            if data:
                yield name, json.loads(data)
            name, data = "message", ""
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data += line[5:].strip()


def _chat(args: argparse.Namespace) -> int:
    token = local_token(load_settings(), args.user, parse_ttl("5m"))
    if token is None:
        print(
            "todo-chat chat can't sign you in: set AUTH_SECRET to the server's secret.",
            file=sys.stderr,
        )
        return 2
    body = {
        "message": args.message,
        "conversation_id": args.conversation,
        "timezone": local_time_zone(),
    }
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
    base = f"{args.url.rstrip('/')}/api/{quote(args.user, safe='')}"
    try:
        status, done = _turn(f"{base}/chat", body, headers)
        # Tool calls waiting for the person: asked one at a time on a terminal; the answer
        # to each resumes the run, which may wait again for the next.
        while status == 0 and done is not None and done.get("status") == "awaiting_approval":
            decision = _decide(done)
            if decision is None:
                return 0
            call_id, approve = decision
            url = f"{base}/conversations/{done['conversation_id']}/approvals/{quote(call_id)}"
            status, done = _turn(url, {"approve": approve}, headers)
        return status
    except httpx.ConnectError:
        print("The server isn't answering: is it running (make run)?", file=sys.stderr)
        return 1


def _turn(
    url: str, body: dict[str, object], headers: dict[str, str]
) -> tuple[int, dict[str, object] | None]:
    with httpx.stream("POST", url, json=body, headers=headers, timeout=120) as response:
        if response.status_code != 200:
            response.read()
            print(f"error: {_refusal(response)}", file=sys.stderr)
            return 1, None
        return _print_stream(sse_events(response.iter_lines()))


def _refusal(response: httpx.Response) -> str:
    """A refused request (4xx, 5xx) as a sentence for a person."""
    try:
        body = response.json()
        return plain_error(str(body["code"]), body["detail"])
    except (ValueError, KeyError, TypeError):
        return "The server refused the message; please retry."


def _decide(done: dict[str, object]) -> tuple[str, bool] | None:
    """Ask about the first waiting call on a terminal (y/N); elsewhere say how to decide."""
    approvals = cast(list[dict[str, Any]], done.get("approvals") or [])
    if not approvals:
        return None
    if not sys.stdin.isatty():
        conversation = done["conversation_id"]
        for asked in approvals:
            print(f"[waiting for your decision: {asked['summary']}]", file=sys.stderr)
        print(
            f'[to decide, run: todo-chat chat yes --conversation {conversation} (or "no")]',
            file=sys.stderr,
            flush=True,
        )
        return None
    asked = approvals[0]
    try:
        reply = input(f"{asked['summary']} [y/N] ")
    except EOFError:
        reply = ""
    return str(asked["id"]), reply.strip().lower() in {"y", "yes"}


def local_time_zone() -> str:
    """The IANA name of this machine's zone, so "tomorrow" means the person's tomorrow: `TZ`
    if it names one, else what /etc/localtime links to, else UTC."""
    candidates = [os.environ.get("TZ", "").removeprefix(":")]
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        candidates.append(str(localtime.resolve()).partition("zoneinfo/")[2])
    for name in candidates:
        try:
            if name and ZoneInfo(name):
                return name
        except (KeyError, ValueError, OSError):  # not a zone this machine knows
            continue
    return "UTC"


def _print_stream(
    events: Iterator[tuple[str, dict[str, object]]],
) -> tuple[int, dict[str, object] | None]:
    """Print a turn's events: its exit status, and the `done` data when it ended so."""
    out = _Printer()
    for name, data in events:
        if name == "conversation":
            out.note(f"[conversation {data['conversation_id']}]")
        elif name == "delta":
            out.text(str(data["text"]))
        elif name == "tool_result":
            said = steps.finished(str(data["name"]), data["output"], bool(data["is_error"]))
            out.note(f"[{said.title}]")
        elif name == "done":
            out.end_text()
            return 0, data
        elif name == "error":
            out.note(f"error: {plain_error(str(data['code']), data['detail'])}")
            return 1, None
    out.note("error: the answer was cut off (the connection closed before it ended)")
    return 1, None


class _Printer:
    """The answer on stdout, everything else on stderr, each on lines of its own, in the
    order it came: a `[…]` line never lands mid-answer, and the answer ends with a newline.
    Both streams are flushed at each switch, so a terminal or `2>&1` shows them in order."""

    def __init__(self) -> None:
        self._mid_line = False

    def text(self, text: str) -> None:
        if text:
            sys.stdout.write(text)
            sys.stdout.flush()
            self._mid_line = not text.endswith("\n")

    def end_text(self) -> None:
        if self._mid_line:
            self.text("\n")

    def note(self, line: str) -> None:
        self.end_text()
        print(line, file=sys.stderr, flush=True)
