"""Redis restarted under chat traffic on two replicas: nothing stored is lost, requests that
needed Redis while it was away failed fast with 503 broker_unavailable, and both replicas
serve chats again within 5 s of Redis answering."""

import asyncio
import time

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.polling import eventually
from tests.replicas.conftest import StartReplicas
from tests.rows import rows
from tests.storms.support import report
from tests.tokens import AuthHeaders

FAST_MODEL = ("--ttft", "0.1", "--tps", "100", "--reply-words", "20")
USERS = 8
BEFORE, OUTAGE, AFTER = 1.5, 1.5, 2.0
RECOVERY_WITHIN = 5.0


async def _chat(http: httpx.AsyncClient, user: str, auth: AuthHeaders) -> httpx.Response:
    body = {"message": "what's pending?", "conversation_id": None}
    return await http.post(f"/api/{user}/chat", json=body, headers=auth(user))


async def test_redis_restart_under_traffic(
    start_replicas: StartReplicas, db_engine: AsyncEngine, auth: AuthHeaders
) -> None:
    async with start_replicas(FAST_MODEL, CHAT_REQUESTS_PER_MINUTE="1000") as replicas:
        https = [client.http for client in replicas.clients]
        answers: list[httpx.Response] = []
        end = time.monotonic() + BEFORE + OUTAGE + AFTER

        async def traffic(n: int) -> None:
            while time.monotonic() < end:
                answers.append(await _chat(https[n % 2], f"restart-{n}", auth))
                n += 1

        senders = [asyncio.create_task(traffic(n)) for n in range(USERS)]
        await asyncio.sleep(BEFORE)
        await replicas.redis.stop()
        await asyncio.sleep(OUTAGE)
        await replicas.redis.start()
        back = time.monotonic()
        recovered = await _recovered(https, auth)
        await asyncio.gather(*senders)

    statuses = [answer.status_code for answer in answers]
    report(
        "Redis restart under traffic",
        {
            "answers": statuses.count(200),
            "503": statuses.count(503),
            "recovered in s": recovered - back,
        },
    )
    assert set(statuses) <= {200, 503}, statuses
    for answer in answers:
        if answer.status_code == 503:
            assert answer.json()["code"] == "broker_unavailable"
    assert recovered - back <= RECOVERY_WITHIN
    # Every answer the clients got is stored, and every stored message has its answer.
    stored = await rows(
        db_engine,
        "SELECT c.user_id, c.number, m.number, m.role, m.content FROM messages m"
        " JOIN conversations c ON c.pk = m.conversation_pk"
        " WHERE c.user_id LIKE 'restart-%' ORDER BY c.pk, m.number",
    )
    by_message = {(u, c, m): (role, content) for u, c, m, role, content in stored}
    for answer in answers:
        if answer.status_code == 200:
            body = answer.json()
            user = answer.request.url.path.split("/")[2]
            key = (user, body["conversation_id"], body["message_id"])
            assert by_message[key] == ("assistant", body["response"])
    roles = [role for _u, _c, _m, role, _content in stored]
    assert roles.count("user") == roles.count("assistant")


async def _recovered(https: list[httpx.AsyncClient], auth: AuthHeaders) -> float:
    """When a chat through each replica is answered again."""
    for http in https:

        async def answered(http: httpx.AsyncClient = http) -> bool:
            return (await _chat(http, "restart-probe", auth)).status_code == 200

        await eventually(answered, RECOVERY_WITHIN * 2, "a chat answered after the restart")
    return time.monotonic()
