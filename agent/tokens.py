"""A token count that needs nothing at run time: no tokenizer files, no download.

`tiktoken` fetches its encodings from the internet at first use, which fails on machines
without internet access. History is bounded by an estimate instead: UTF-8 bytes / 3, plus a
few tokens per input item for its framing. Against OpenAI's o200k/cl100k encodings that
over-counts English prose (about 4 characters a token) by roughly a third and compact JSON
(about 3) slightly, and stays near one token per character for CJK text (3 bytes each): the
bound errs toward sending less, never more. docs/performance.md has the figures.
"""

import json
import math
from typing import Any

BYTES_PER_TOKEN = 3
ITEM_OVERHEAD_TOKENS = 4


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text.encode("utf-8")) / BYTES_PER_TOKEN)


def item_tokens(item: Any) -> int:
    """An input item's estimated tokens: its text fields and its framing."""
    if isinstance(item, dict):
        text = "".join(
            str(item.get(key) or "") for key in ("content", "arguments", "output", "name")
        )
    else:
        text = json.dumps(item, ensure_ascii=False, default=str)
    return estimate_tokens(text) + ITEM_OVERHEAD_TOKENS
