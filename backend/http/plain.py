"""Words a person understands (issue 21, point 8): an error as ChatKit's events and the CLI
say it, without field names, library wording, header names or URLs. REST bodies keep their
`code` and field paths for programs; the chat page says the same through its plain.js, and
this module is its counterpart for what the server itself shows people.
"""

import re
from collections.abc import Callable, Mapping
from typing import Any

# Errors whose sentence for programs names a request, a header or a component: said again.
BY_CODE = {
    "conversation_running": "This conversation is still answering; stop it or wait until "
    "it is done.",
    "broker_unavailable": "The service is having trouble right now; please retry shortly.",
    "approval_not_found": "Nothing here is waiting for your decision.",
    "too_many_open_streams": "Too many chats are open at once; close one, such as another "
    "tab, and retry.",
    "too_many_streams": "Too many answers are being written for you at once; wait for one "
    "to finish.",
    "idempotency_key_reused": "This message was already sent with different words.",
    "idempotency_in_progress": "This message is still being answered; wait until it is done.",
    "viewer_behind": "This answer fell behind on your connection; reload to see the rest.",
    "tool_limit_exceeded": "This answer was stopped: it reached the most actions one answer "
    "may take.",
    "unauthorized": "You are not signed in, or your sign-in has expired.",
    "forbidden": "You can't see another person's chats.",
    "payload_too_large": "That is too much to send at once.",
}
# Sentences whose own wording is for programs, whatever their code.
BY_DETAIL = {
    "todo-chat does not support this ChatKit request.": "This chat can't do that.",
    "metadata.timezone must be an IANA time zone name, such as Europe/Berlin.": "Your time "
    "zone isn't one this chat knows; it can be a name such as Europe/Berlin.",
    "The request is invalid; `detail` lists each problem.": "Something you entered isn't valid.",
    "This tool call was already decided.": "This was already decided.",
    "Too many requests for this user; retry after Retry-After seconds.": "Too many requests "
    "at once; please wait a moment and retry.",
}

FIELDS = {
    "title": "The title",
    "message": "The message",
    "description": "The description",
    "tags": "The tags",
    "due_at": "The due date",
    "remind_at": "The reminder",
    "recurrence": "How it repeats",
    "priority": "The priority",
    "timezone": "The time zone",
    "q": "The search",
    "conversation_id": "The conversation",
}
_SOMETHING = "Something you entered"


def _too_long(field: str, most: str | None) -> str:
    return f"{field} is too long" + (f" (at most {most} characters)." if most else ".")


_BY_TYPE: dict[str, Callable[[str, str | None], str]] = {
    "recurrence_needs_due_at": lambda field, most: "A repeating task needs a due date.",
    "string_too_short": lambda field, most: f"{field} can't be empty.",
    "missing": lambda field, most: f"{field} is missing.",
    "string_too_long": lambda field, most: _too_long(field, most),
    # A list, except the message: its length is counted as a person sees characters.
    "too_long": lambda field, most: (
        _too_long(field, most)
        if field == FIELDS["message"]
        else f"Too many entries in {field[0].lower()}{field[1:]}"
        + (f" (at most {most})." if most else ".")
    ),
    "json_invalid": lambda field, most: "What was sent could not be read.",
}
_AT_MOST = re.compile(r"at most ([\d,]+)")
_REQUEST_LINE = re.compile(r"\s*\((?:GET|POST|PUT|PATCH|DELETE)\s[^)]*\)")
_URL = re.compile(r"\s*\(?https?://\S+\)?")


def plain_error(code: str, detail: Any) -> str:
    """The sentence a person reads for an error body's `code` and `detail`."""
    if isinstance(detail, list):
        return plain_issues(detail)
    if code in BY_CODE:
        return BY_CODE[code]
    sentence = str(detail)
    return BY_DETAIL.get(sentence) or plain_sentence(sentence)


def plain_issues(issues: list[Any]) -> str:
    """A 422's list of problems as sentences, each once, naming no field path."""
    sentences: list[str] = []
    for issue in issues:
        said = _issue(issue) if isinstance(issue, Mapping) else f"{_SOMETHING} isn't valid."
        if said not in sentences:
            sentences.append(said)
    return " ".join(sentences) or f"{_SOMETHING} isn't valid."


def _issue(issue: Mapping[str, Any]) -> str:
    location = issue.get("loc") or []
    name = location[-1] if isinstance(location, list) and location else None
    field = FIELDS.get(name, _SOMETHING) if isinstance(name, str) else _SOMETHING
    found = _AT_MOST.search(str(issue.get("msg") or ""))
    say = _BY_TYPE.get(str(issue.get("type")))
    return say(field, found[1] if found else None) if say else f"{field} isn't valid."


def plain_sentence(detail: str) -> str:
    """A sentence with what only a program needs taken out: a request line in parentheses
    ("(POST .../stop)") or a URL."""
    return _URL.sub("", _REQUEST_LINE.sub("", detail)).strip()
