"""Versions (docs/api.md "Versions"): regenerate an answer, edit a message, list a message's
versions and choose the branch to show. The model reads the chosen branch only; another user
reaches nothing; nothing branches while an answer is being written; an answer that changed
tasks is not silently replayed: its changes stay (and are listed) or are undone first."""

import asyncio
from typing import Any

import httpx
from agents.testing import ScriptedModel, assistant_message, function_call
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.settings import Settings
from tests.backend.chat_support import Gate
from tests.backend.support import app_client, assert_error
from tests.rows import task_titles
from tests.sse import SSE, sse_events
from tests.tokens import AuthHeaders

BASE = "/api/alice/conversations/1"


def scripted(*answers: str) -> ScriptedModel:
    return ScriptedModel([[assistant_message(text)] for text in answers])


def said(model: ScriptedModel) -> list[tuple[str, Any]]:
    """What the model received on its last call: (role, text) of each message."""
    assert model.last_call is not None
    return [(m["role"], m["content"]) for m in model.last_call.input if "role" in m]


async def chat(client: httpx.AsyncClient, auth: AuthHeaders, message: str) -> dict[str, Any]:
    body = {"message": message, "conversation_id": 1 if message != "first" else None}
    response = await client.post("/api/alice/chat", json=body, headers=auth("alice"))
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def shown(client: httpx.AsyncClient, auth: AuthHeaders) -> list[tuple[int, str, list[int]]]:
    """The chosen branch as the page lists it: (id, text, versions)."""
    response = await client.get(f"{BASE}/messages", headers=auth("alice"))
    assert response.status_code == 200, response.text
    return [(m["id"], m["content"], m["versions"]) for m in response.json()["messages"]]


async def test_regenerate_keeps_the_earlier_answer_as_a_version_the_person_can_choose(
    settings: Settings, auth: AuthHeaders
) -> None:
    model = scripted("One.", "Two.", "Two, again.", "Three.")
    async with app_client(settings, model) as client:
        await chat(client, auth, "first")
        await chat(client, auth, "second")
        again = await client.post(f"{BASE}/messages/4/regenerate", headers=auth("alice"))
        assert again.status_code == 200, again.text
        # The model answered the same question from the same branch, without the old answer.
        assert said(model) == [("user", "first"), ("assistant", "One."), ("user", "second")]
        assert again.json()["response"] == "Two, again."
        assert again.json()["message_id"] == 5
        assert again.json()["kept_changes"] == []
        assert await shown(client, auth) == [
            (1, "first", [1]), (2, "One.", [2]), (3, "second", [3]), (5, "Two, again.", [4, 5]),
        ]  # fmt: skip
        listed = await client.get(f"{BASE}/messages/5/versions", headers=auth("alice"))
        assert [(v["id"], v["content"], v["parent_id"]) for v in listed.json()["versions"]] == [
            (4, "Two.", 3),
            (5, "Two, again.", 3),
        ]
        chosen = await client.post(f"{BASE}/messages/4/choose", headers=auth("alice"))
        assert chosen.status_code == 200, chosen.text
        assert [m["id"] for m in chosen.json()["messages"]] == [1, 2, 3, 4]
        assert await shown(client, auth) == [
            (1, "first", [1]), (2, "One.", [2]), (3, "second", [3]), (4, "Two.", [4, 5]),
        ]  # fmt: skip
        # The next message follows the chosen version, and the model reads that branch.
        await chat(client, auth, "third")
    assert said(model) == [
        ("user", "first"), ("assistant", "One."), ("user", "second"), ("assistant", "Two."),
        ("user", "third"),
    ]  # fmt: skip


async def test_an_edited_message_is_a_new_version_answered_from_the_branch_before_it(
    settings: Settings, auth: AuthHeaders
) -> None:
    model = scripted("One.", "Two.", "Edited two.", "Edited one.", "Back.")
    async with app_client(settings, model) as client:
        await chat(client, auth, "first")
        await chat(client, auth, "second")
        edited = await client.post(
            f"{BASE}/messages/3/edit", json={"message": "second, better"}, headers=auth("alice")
        )
        assert edited.status_code == 200, edited.text
        assert said(model) == [("user", "first"), ("assistant", "One."), ("user", "second, better")]
        assert await shown(client, auth) == [
            (1, "first", [1]), (2, "One.", [2]), (5, "second, better", [3, 5]),
            (6, "Edited two.", [6]),
        ]  # fmt: skip
        # The first message too: a version with no parent.
        streamed = await client.post(
            f"{BASE}/messages/1/edit",
            json={"message": "first, better"},
            headers={**auth("alice"), **SSE},
        )
        events = sse_events(streamed.text)
        assert events[0].name == "conversation"
        assert events[0].data == {"conversation_id": 1, "user_message_id": 7, "kept_changes": []}
        assert said(model) == [("user", "first, better")]
        assert await shown(client, auth) == [(7, "first, better", [1, 7]), (8, "Edited one.", [8])]
        # Back to the first version: down its branch through the newest version each step.
        back = await client.post(f"{BASE}/messages/1/choose", headers=auth("alice"))
        assert [m["id"] for m in back.json()["messages"]] == [1, 2, 5, 6]
        await chat(client, auth, "third")
    assert said(model)[-3:] == [
        ("user", "second, better"), ("assistant", "Edited two."), ("user", "third"),
    ]  # fmt: skip


async def test_versions_are_only_for_messages_of_the_right_kind_on_the_chosen_branch(
    settings: Settings, auth: AuthHeaders
) -> None:
    async with app_client(settings, scripted("One.", "Again.")) as client:
        await chat(client, auth, "first")
        alice = auth("alice")
        a_question = await client.post(f"{BASE}/messages/1/regenerate", headers=alice)
        an_answer = await client.post(
            f"{BASE}/messages/2/edit", json={"message": "x"}, headers=alice
        )
        missing = await client.post(f"{BASE}/messages/9/regenerate", headers=alice)
        empty = await client.post(f"{BASE}/messages/1/edit", json={"message": ""}, headers=alice)
        unknown = await client.post(
            f"{BASE}/messages/2/regenerate", json={"undo_changes": "maybe"}, headers=alice
        )
        assert (
            await client.post(f"{BASE}/messages/2/regenerate", headers=alice)
        ).status_code == 200
        # Answer 2 is now a version off the chosen branch: choose it first.
        off_branch = await client.post(f"{BASE}/messages/2/regenerate", headers=alice)
        no_versions = await client.get(f"{BASE}/messages/9/versions", headers=alice)
        choose_missing = await client.post(f"{BASE}/messages/9/choose", headers=alice)
    for refused in (a_question, an_answer, missing, off_branch, no_versions, choose_missing):
        assert_error(refused, 404, "message_not_found")
    assert empty.status_code == 422
    assert unknown.status_code == 422


async def test_another_user_reaches_no_version(settings: Settings, auth: AuthHeaders) -> None:
    async with app_client(settings, scripted("One.", "Bob's.", "Again.")) as client:
        await chat(client, auth, "first")
        bob = auth("bob")
        await client.post("/api/bob/chat", json={"message": "mine"}, headers=bob)
        theirs = "/api/bob/conversations/2/messages/2"
        for path in (f"{theirs}/regenerate", f"{theirs}/choose"):
            assert_error(await client.post(path, headers=bob), 404, "conversation_not_found")
        edit = await client.post(f"{theirs}/edit", json={"message": "x"}, headers=bob)
        assert_error(edit, 404, "conversation_not_found")
        assert_error(
            await client.get(f"{theirs}/versions", headers=bob), 404, "conversation_not_found"
        )
        # Alice's path with Bob's token: refused before anything is looked up.
        assert (await client.post(f"{BASE}/messages/2/regenerate", headers=bob)).status_code == 403
        # Bob's own conversation 1 has his messages only.
        own = await client.get("/api/bob/conversations/1/messages/2/versions", headers=bob)
        assert [v["content"] for v in own.json()["versions"]] == ["Bob's."]
    assert await shown_after(settings, auth) == ["first", "One."]


async def shown_after(settings: Settings, auth: AuthHeaders) -> list[str]:
    async with app_client(settings, scripted()) as client:
        return [text for _, text, _ in await shown(client, auth)]


async def test_nothing_branches_while_an_answer_is_being_written(
    settings: Settings, auth: AuthHeaders
) -> None:
    gate = Gate()
    model = ScriptedModel([[assistant_message("One.")], gate.step("Two.")])
    alice = auth("alice")
    async with app_client(settings, model) as client:
        await chat(client, auth, "first")
        second = asyncio.create_task(
            client.post(
                "/api/alice/chat", json={"message": "2", "conversation_id": 1}, headers=alice
            )
        )
        await gate.wait_entered()
        regenerate = await client.post(f"{BASE}/messages/2/regenerate", headers=alice)
        edit = await client.post(f"{BASE}/messages/1/edit", json={"message": "x"}, headers=alice)
        choose = await client.post(f"{BASE}/messages/2/choose", headers=alice)
        gate.opened.set()
        assert (await second).status_code == 200
        for refused in (regenerate, edit, choose):
            assert_error(refused, 409, "conversation_busy")
        assert [text for _, text, _ in await shown(client, auth)] == ["first", "One.", "2", "Two."]


async def test_an_answer_that_changed_tasks_keeps_its_changes_or_undoes_them_first(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    model = ScriptedModel(
        [
            [function_call("add_task", {"title": "Buy milk"}, call_id="c1")],
            [assistant_message("Added task 1.")],
            [assistant_message("Sure.")],
            [assistant_message("Fresh start.")],
        ]
    )
    alice = auth("alice")
    async with app_client(settings, model) as client:
        await chat(client, auth, "first")
        kept = await client.post(f"{BASE}/messages/2/regenerate", headers=alice)
        assert kept.status_code == 200, kept.text
        # By default nothing is undone, and the answer says what stays.
        assert [
            (c["action"], c["task_id"], c["message_id"]) for c in kept.json()["kept_changes"]
        ] == [("created", 1, 2)]
        assert "undone" not in kept.json()
        assert await task_titles(db_engine, "alice") == [(1, "Buy milk")]
        # Back to the answer that added it, then replace it undoing its change first.
        await client.post(f"{BASE}/messages/2/choose", headers=alice)
        undone = await client.post(
            f"{BASE}/messages/2/regenerate", json={"undo_changes": True}, headers=alice
        )
    assert undone.status_code == 200, undone.text
    assert undone.json()["kept_changes"] == []
    assert [(c["action"], c["task_id"], c["undo_of"]) for c in undone.json()["undone"]] == [
        ("deleted", 1, 1)
    ]
    assert await task_titles(db_engine, "alice") == []


async def test_an_undo_that_conflicts_refuses_the_whole_version(
    settings: Settings, auth: AuthHeaders, db_engine: AsyncEngine
) -> None:
    model = ScriptedModel(
        [
            [function_call("add_task", {"title": "Buy milk"}, call_id="c1")],
            [assistant_message("Added task 1.")],
        ]
    )
    alice = auth("alice")
    async with app_client(settings, model) as client:
        await chat(client, auth, "first")
        renamed = await client.patch(
            "/api/alice/tasks/1", json={"title": "Oat milk"}, headers=alice
        )
        assert renamed.status_code == 200
        refused = await client.post(
            f"{BASE}/messages/2/regenerate", json={"undo_changes": True}, headers=alice
        )
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "undo_conflict"
        assert refused.json()["later_entry_id"] == 2  # the rename
        assert [text for _, text, _ in await shown(client, auth)] == ["first", "Added task 1."]
    assert await task_titles(db_engine, "alice") == [(1, "Oat milk")]


async def test_a_retry_replaces_only_the_chosen_answer_and_keeps_the_other_versions(
    settings: Settings, auth: AuthHeaders
) -> None:
    model = scripted("One.", "Again.", "Retried.")
    async with app_client(settings, model) as client:
        await chat(client, auth, "first")
        await client.post(f"{BASE}/messages/2/regenerate", headers=auth("alice"))
        retried = await client.post(f"{BASE}/messages/1/retry", headers={**auth("alice"), **SSE})
        assert retried.status_code == 200, retried.text
        assert sse_events(retried.text)[0].data == {"conversation_id": 1, "user_message_id": 1}
        assert said(model) == [("user", "first")]
        # "Again." (3) was replaced; "One." (2) is still a version of the answer, and the
        # message keeps its id so that it still comes before it.
        assert await shown(client, auth) == [(1, "first", [1]), (5, "Retried.", [2, 5])]
        back = await client.post(f"{BASE}/messages/2/choose", headers=auth("alice"))
    assert [(m["id"], m["content"]) for m in back.json()["messages"]] == [(1, "first"), (2, "One.")]
