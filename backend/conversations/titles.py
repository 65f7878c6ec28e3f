"""A title worth reading, from a conversation's first exchange (docs/api.md §9).

Until then a conversation is named after its first message, word for word; once the first
answer is stored, a turn that changed tasks names the conversation after what it did
("Add: Buy milk", "Done: Call the dentist and 1 more"). The words come from the tools'
results, not from the model's prose, so the title is deterministic and costs no model call.
A title the person chose (a rename) is never replaced.
"""

from typing import Any

from backend.conversations.store import TITLE_LENGTH

_VERBS = {"created": "Add", "completed": "Done", "deleted": "Delete", "updated": "Change"}


def title_from_exchange(tool_calls: list[dict[str, Any]]) -> str | None:
    """The title "Add: Buy milk" for a turn whose first task change added "Buy milk"; None
    when the turn changed no task (the first message stays the title)."""
    actions = [
        output
        for call in tool_calls
        if not call.get("is_error")
        and isinstance(output := call.get("output"), dict)
        and output.get("status") in _VERBS
        and isinstance(output.get("title"), str)
    ]
    if not actions:
        return None
    first = actions[0]
    title = f"{_VERBS[first['status']]}: {' '.join(first['title'].split())}"
    more = f" and {len(actions) - 1} more" if len(actions) > 1 else ""
    room = TITLE_LENGTH - len(more)
    if len(title) > room:
        title = title[: room - 1].rstrip() + "…"
    return title + more
