"""Thread and item ids (docs/chatkit.md). A thread is a conversation: its id is the
conversation's number as a decimal string. A message is one or two items: `msg_<n>` is
message n's text, `wf_<n>` the tool calls of assistant message n (shown before its text),
`ask_<n>` the question of an answer whose tool calls wait for the person (shown after it).
Anything else names nothing, exactly like another user's id."""

import re
from typing import Literal

from backend.chatkit.errors import ItemNotFound
from backend.http.errors import ConversationNotFound

Part = Literal["wf", "msg", "ask"]
# Within one message, the order its items are shown in.
PART_ORDER: dict[Part, int] = {"wf": 0, "msg": 1, "ask": 2}
_NUMBER = r"[1-9][0-9]{0,9}"
_MAX_NUMBER = 2_147_483_647
_ITEM = re.compile(rf"(wf|msg|ask)_({_NUMBER})")


def thread_id(conversation: int) -> str:
    return str(conversation)


def conversation_of(thread: str) -> int:
    """The conversation a thread id names; ConversationNotFound for anything else."""
    if re.fullmatch(_NUMBER, thread) is None or int(thread) > _MAX_NUMBER:
        raise ConversationNotFound()
    return int(thread)


def item_id(part: Part, message: int) -> str:
    return f"{part}_{message}"


def item_of(item: str) -> tuple[int, Part]:
    """The message and part an item id names; ItemNotFound for anything else."""
    match = _ITEM.fullmatch(item)
    if match is None or int(match[2]) > _MAX_NUMBER:
        raise ItemNotFound()
    part: Part = "wf" if match[1] == "wf" else "ask" if match[1] == "ask" else "msg"
    return int(match[2]), part
