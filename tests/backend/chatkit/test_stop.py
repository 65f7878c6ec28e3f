"""ChatKit's stop button closes the stream: the run stops as POST …/stop does (docs/api.md
§12): the model request is closed upstream and the answer so far is stored as "stopped".
Real uvicorn on a loopback port and a slow fake provider, so the disconnect is a real one."""

from chatkit.types import ThreadStreamEvent

from backend.settings import Settings
from tests.backend.chatkit.client import EVENT, message, request_body, streamed_text
from tests.backend.runs.helpers import live, slow_answer
from tests.sse import read_events
from tests.tokens import AuthHeaders


async def test_closing_the_stream_mid_answer_stores_the_answer_so_far_as_stopped(
    settings: Settings, auth: AuthHeaders
) -> None:
    async with live(settings, auth, slow_answer()) as env:
        body = request_body("threads.create", input=message("Tell me a long story"))
        headers = {**auth("alice"), "Content-Type": "application/json"}
        events: list[ThreadStreamEvent] = []
        async with env.http.stream("POST", "/chatkit", content=body, headers=headers) as response:
            assert response.status_code == 200
            async for raw in read_events(response):
                events.append(EVENT.validate_python(raw.data))
                if streamed_text(events).count(" ") >= 3:
                    break  # leaving the block closes the connection, as the stop button does
        shown = streamed_text(events)
        await env.until_ended(1)
        await env.provider.wait_for(lambda c: c.active_streams == 0)
        stored = await env.messages(1)

    assert (env.provider.cancelled_streams, env.provider.completed_streams) == (1, 0)
    assert [(m["role"], m["status"]) for m in stored] == [("user", None), ("assistant", "stopped")]
    answer = stored[1]["content"]
    assert answer.startswith(shown)
    assert 0 < len(answer) < len(" ".join(["word"] * 60))
