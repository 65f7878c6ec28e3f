"""GET /metrics: closed unless METRICS_TOKEN is set, Prometheus text for its bearer, and a
real Prometheus (Debian's package) scraping a running server answers PromQL on it."""

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from backend.main import create_app
from backend.settings import Settings
from tests.apps import serving
from tests.backend.support import app_client, assert_error
from tests.polling import eventually
from tests.processes import free_port, subprocess_running
from tests.tokens import AuthHeaders

TOKEN = "scrape-me-please-0123456789"
SCRAPER = {"Authorization": f"Bearer {TOKEN}"}
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {
        tuple(sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    }


async def test_metrics_are_not_served_without_a_token(settings: Settings) -> None:
    async with app_client(settings) as client:
        assert_error(await client.get("/metrics", headers=SCRAPER), 404, "not_found")


async def test_metrics_need_the_token_and_name_routes_not_paths(
    settings: Settings, auth: AuthHeaders
) -> None:
    async with app_client(settings, metrics_token=SecretStr(TOKEN)) as client:
        assert_error(await client.get("/metrics"), 401, "unauthorized")
        wrong = {"Authorization": "Bearer scrape-me-please-0123456780"}
        assert_error(await client.get("/metrics", headers=wrong), 401, "unauthorized")
        body = {"message": "add a task to buy milk", "conversation_id": None}
        answer = (await client.post("/api/alice/chat", json=body, headers=auth("alice"))).json()
        response = await client.get("/metrics", headers=SCRAPER)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    requests = samples(response.text, "todo_chat_http_requests_total")
    chat = (("method", "POST"), ("route", "/api/{user_id}/chat"), ("status", "200"))
    assert requests[chat] >= 1
    assert not any("alice" in value for labels in requests for _, value in labels)
    tools = samples(response.text, "todo_chat_tool_calls_total")
    assert tools[(("outcome", "ok"), ("tool", "add_task"))] >= 1
    tokens = samples(response.text, "todo_chat_tokens_total")
    assert tokens[(("direction", "output"),)] >= answer["usage"]["output_tokens"] > 0
    assert samples(response.text, "todo_chat_runs_active")[()] == 0


@asynccontextmanager
async def prometheus_scraping(target: str, tmp_path: Path) -> AsyncIterator[str]:
    """A real Prometheus scraping `target` (host:port) every 200 ms with the token; yields
    its HTTP API's base URL."""
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 200ms, scrape_timeout: 150ms}\n"
        "scrape_configs:\n"
        "  - job_name: todo-chat\n"
        f"    authorization: {{credentials: {TOKEN}}}\n"
        f"    static_configs: [{{targets: ['{target}']}}]\n"
    )
    port = free_port()
    args = [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}"]  # fmt: skip
    log = tmp_path / "prometheus.log"
    async with subprocess_running(args, env=dict(os.environ), cwd=tmp_path, log=log):
        yield f"http://127.0.0.1:{port}"


async def test_a_real_prometheus_scrapes_the_tokens_counter(
    settings: Settings, auth: AuthHeaders, tmp_path: Path
) -> None:
    app = create_app(settings.model_copy(update={"metrics_token": SecretStr(TOKEN)}))
    async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        body = {"message": "add a task to buy milk", "conversation_id": None}
        chat = await client.post("/api/alice/chat", json=body, headers=auth("alice"))
        assert chat.status_code == 200
        exposed = samples(
            (await client.get("/metrics", headers=SCRAPER)).text, "todo_chat_tokens_total"
        )
        expected = exposed[(("direction", "input"),)]
        assert expected >= chat.json()["usage"]["input_tokens"] > 0
        query = 'sum(todo_chat_tokens_total{direction="input"})'
        async with prometheus_scraping(url.removeprefix("http://"), tmp_path) as api:

            async def scraped() -> bool:
                try:
                    answer = await client.get(f"{api}/api/v1/query", params={"query": query})
                except httpx.TransportError:
                    return False  # still starting
                result = answer.json()["data"]["result"] if answer.status_code == 200 else []
                return bool(result) and float(result[0]["value"][1]) == expected

            await eventually(scraped, 60, "Prometheus answers the scraped tokens counter")
