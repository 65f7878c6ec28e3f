"""Metrics of `todo-chat serve --workers 2`: every scrape, whichever worker answers it, and
the METRICS_PORT listener add up what every worker counted (multiprocess mode)."""

from pathlib import Path

import httpx

from tests.backend.metrics.test_metrics import SCRAPER, TOKEN, samples
from tests.processes import fake_provider, free_port, serve_env, todo_chat_serve
from tests.tokens import AuthHeaders

MESSAGES = 6


async def test_two_workers_report_one_sum(
    database: str, redis_url: str, tmp_path: Path, auth: AuthHeaders
) -> None:
    metrics_port = free_port()
    async with fake_provider(tmp_path / "fake-openai.log", "--reply-words", "5") as provider:
        env = {**serve_env(database, provider, tmp_path / "data"), "REDIS_URL": redis_url,
               "METRICS_TOKEN": TOKEN, "METRICS_PORT": str(metrics_port)}  # fmt: skip
        log = tmp_path / "serve.log"
        async with todo_chat_serve(env, "--workers", "2", cwd=tmp_path, log=log) as served:
            spent = 0
            for n in range(MESSAGES):
                # A connection each: the kernel hands them to either worker.
                async with httpx.AsyncClient(base_url=served.url, timeout=30) as client:
                    body = {"message": f"hello {n}", "conversation_id": None}
                    answer = await client.post("/api/alice/chat", json=body, headers=auth("alice"))
                    assert answer.status_code == 200, answer.text
                    spent += answer.json()["usage"]["input_tokens"]
            scrapes = []
            for _ in range(4):
                async with httpx.AsyncClient(base_url=served.url, timeout=30) as client:
                    scrapes.append((await client.get("/metrics", headers=SCRAPER)).text)
            async with httpx.AsyncClient(timeout=30) as client:
                port = await client.get(f"http://127.0.0.1:{metrics_port}/metrics")
    assert port.status_code == 200
    for text in [*scrapes, port.text]:
        tokens = samples(text, "todo_chat_tokens_total")
        assert tokens[(("direction", "input"),)] == spent
        requests = samples(text, "todo_chat_http_requests_total")
        chat = (("method", "POST"), ("route", "/api/{user_id}/chat"), ("status", "200"))
        assert requests[chat] == MESSAGES
