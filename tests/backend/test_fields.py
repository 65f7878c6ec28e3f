"""The field rules every surface shares: one "has visible content" rule for REST titles, chat
messages, conversation titles and the MCP tools; strict JSON types in bodies; path ids in plain
decimal digits."""

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.fields import has_visible_content
from tests.mcp_tools.test_tasks import todo_server
from tests.tokens import AuthHeaders

INVISIBLE = [
    "\x1c\x1d\x1e\x1f",
    "\u200b\u200b",
    "\ufeff",
    "\u2800\u2800",
    "\u3164",
    "\u2060 \u2060",
    "\u00ad",
    "\u0301\u0301",
    " \t\n\u3000",
]
VISIBLE = ["x", "\u200bBuy milk", "🥛", "…", "\u0301a"]


@pytest.mark.parametrize("text", INVISIBLE)
def test_invisible_text_has_no_visible_content(text: str) -> None:
    assert not has_visible_content(text)


@pytest.mark.parametrize("text", VISIBLE)
def test_text_with_something_to_see_has_visible_content(text: str) -> None:
    assert has_visible_content(text)


@pytest.mark.parametrize("text", INVISIBLE)
async def test_invisible_titles_and_messages_are_422_on_every_http_surface(
    client: httpx.AsyncClient, auth: AuthHeaders, text: str
) -> None:
    alice = auth("alice")
    assert (
        await client.post("/api/alice/tasks", json={"title": text}, headers=alice)
    ).status_code == 422
    assert (
        await client.post("/api/alice/chat", json={"message": text}, headers=alice)
    ).status_code == 422
    created = await client.post("/api/alice/chat", json={"message": "hello"}, headers=alice)
    number = created.json()["conversation_id"]
    rename = await client.patch(
        f"/api/alice/conversations/{number}", json={"title": text}, headers=alice
    )
    assert rename.status_code == 422
    listed = await client.get("/api/alice/tasks", headers=alice)
    assert listed.json()["total"] == 0


@pytest.mark.parametrize("text", INVISIBLE)
async def test_invisible_titles_are_tool_errors(
    db_engine: AsyncEngine, database: str, text: str
) -> None:
    async with todo_server(db_engine) as todo:
        await todo.error("add_task", {"title": text})
        await todo.ok("add_task", {"title": "Buy milk"})
        await todo.error("update_task", {"task_id": 1, "title": text})


async def test_a_conversation_title_starts_at_the_first_visible_character(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    message = "\u200b" * 300 + "\u2800 hello there"
    response = await client.post(
        "/api/alice/chat", json={"message": message}, headers=auth("alice")
    )
    assert response.status_code == 200, response.text
    listed = (await client.get("/api/alice/conversations", headers=auth("alice"))).json()
    assert listed["conversations"][0]["title"] == "hello there"


@pytest.mark.parametrize("conversation_id", [True, "1", 1.0, 0.5, "01", [1], {"id": 1}])
async def test_a_conversation_id_must_be_a_json_integer(
    client: httpx.AsyncClient, auth: AuthHeaders, conversation_id: object
) -> None:
    alice = auth("alice")
    first = await client.post("/api/alice/chat", json={"message": "hello"}, headers=alice)
    assert first.json()["conversation_id"] == 1
    body = {"message": "and again", "conversation_id": conversation_id}
    response = await client.post("/api/alice/chat", json=body, headers=alice)
    assert response.status_code == 422, response.text
    messages = await client.get("/api/alice/conversations/1/messages", headers=alice)
    assert len(messages.json()["messages"]) == 2  # the first turn only


async def test_a_conversation_id_written_1e0_is_422(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    alice = {**auth("alice"), "Content-Type": "application/json"}
    await client.post("/api/alice/chat", json={"message": "hello"}, headers=alice)
    body = b'{"message": "again", "conversation_id": 1e0}'
    response = await client.post("/api/alice/chat", content=body, headers=alice)
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("completed", ["yes", "off", "true", 1, 0, None])
@pytest.mark.parametrize("method", ["PATCH", "PUT"])
async def test_completed_must_be_a_json_boolean(
    client: httpx.AsyncClient, auth: AuthHeaders, completed: object, method: str
) -> None:
    alice = auth("alice")
    await client.post("/api/alice/tasks", json={"title": "Buy milk"}, headers=alice)
    body = {"title": "Buy milk", "completed": completed}
    response = await client.request(method, "/api/alice/tasks/1", json=body, headers=alice)
    if completed is None and method == "PUT":
        assert response.status_code == 200  # PUT: null leaves it as it is (docs/api.md)
    else:
        assert response.status_code == 422, response.text
    task = (await client.get("/api/alice/tasks/1", headers=alice)).json()
    assert task["completed"] is False


@pytest.mark.parametrize("path_id", ["1.0", "+1", "%201", "1%20", "0x1", "1_0", "\u0661", "1e0"])
@pytest.mark.parametrize("route", ["tasks/{}", "tasks/{}/complete", "conversations/{}/messages"])
async def test_path_ids_are_plain_decimal_digits(
    client: httpx.AsyncClient, auth: AuthHeaders, path_id: str, route: str
) -> None:
    alice = auth("alice")
    await client.post("/api/alice/tasks", json={"title": "Buy milk"}, headers=alice)
    await client.post("/api/alice/chat", json={"message": "hello"}, headers=alice)
    method = "PATCH" if route.endswith("complete") else "GET"
    assert (
        await client.request(method, "/api/alice/" + route.format(1), headers=alice)
    ).status_code == 200
    response = await client.request(method, "/api/alice/" + route.format(path_id), headers=alice)
    assert response.status_code == 422, response.text


INVISIBLE_OR_CONTROL_TAGS = ["\u200b", "\u2800", "\u3164", "\x1b[31mred", "a\nb", "wo\u200brk"]


@pytest.mark.parametrize("tag", INVISIBLE_OR_CONTROL_TAGS)
async def test_tags_follow_the_visible_text_rule_over_rest(
    client: httpx.AsyncClient, auth: AuthHeaders, tag: str
) -> None:
    alice = auth("alice")
    created = await client.post(
        "/api/alice/tasks", json={"title": "t", "tags": [tag]}, headers=alice
    )
    assert created.status_code == 422, created.text
    assert (await client.post("/api/alice/tasks", json={"title": "t"}, headers=alice)).is_success
    patched = await client.patch("/api/alice/tasks/1", json={"tags": ["ok", tag]}, headers=alice)
    assert patched.status_code == 422, patched.text
    listed = await client.get("/api/alice/tasks", params={"tag": tag}, headers=alice)
    assert listed.status_code == 422, listed.text
    tags = await client.get("/api/alice/tags", headers=alice)
    assert tags.json() == {"tags": []}


@pytest.mark.parametrize("tag", INVISIBLE_OR_CONTROL_TAGS)
async def test_tags_follow_the_visible_text_rule_in_tools(
    db_engine: AsyncEngine, database: str, tag: str
) -> None:
    async with todo_server(db_engine) as todo:
        await todo.error("add_task", {"title": "t", "tags": [tag]})
        await todo.error("list_tasks", {"tag": tag})


async def test_tags_in_any_script_with_marks_and_spaces_are_kept(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    tags = ["हिंदी", "café", "to do", "🥛", "c++"]
    body = {"title": "t", "tags": tags}
    created = await client.post("/api/alice/tasks", json=body, headers=auth("alice"))
    assert created.status_code == 201, created.text
    assert created.json()["tags"] == tags
