"""Structured (JSON) logs carrying the request id; never bodies, tokens or secrets."""

import json
import logging
from datetime import UTC, datetime

from backend.http.middleware import request_id_var, user_id_var


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id_var.get(),
        }
        user_id = getattr(record, "user_id", None) or user_id_var.get()
        if user_id is not None:
            entry["user_id"] = user_id
        if hasattr(record, "conversation_id"):
            entry["conversation_id"] = record.conversation_id
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str) -> None:
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    # httpx logs every request URL at INFO; provider calls are not ours to log. (The openai
    # client is built on httpx2, which logs under its own name.)
    for name in ("httpx", "httpx2"):
        logging.getLogger(name).setLevel(logging.WARNING)
