"""Issue 23 finding 9: a same-host TCP forwarder that adds no header and names `localhost`
is a loopback client to the server, exactly like the person at the machine. Through it,
`/dev/token` minted anyone's token; now it needs the sign-in code the server printed."""

import httpx
import pytest

from backend.main import create_app
from backend.settings import Settings
from tests.apps import serving
from tests.backend.support import assert_error
from tests.backend.web.proxy import cuttable

LOCALHOST = {"Host": "localhost"}


async def test_a_tcp_forwarder_on_the_same_host_mints_no_token_without_the_code(
    dev_settings: Settings, dev_code: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with (
        serving(create_app(dev_settings)) as url,
        cuttable(url) as (forwarded, _),
        httpx.AsyncClient(base_url=forwarded) as http,
    ):
        asked = {"user_id": "alice"}
        bare = await http.post("/dev/token", json=asked, headers=LOCALHOST)
        guessed = await http.post(
            "/dev/token", json={**asked, "code": "AAAA-AAAA-AAAA-AAAA"}, headers=LOCALHOST
        )
        tasks = await http.get("/api/alice/tasks", headers=LOCALHOST)
        # The person at the machine read the code in the server's terminal.
        person = await http.post("/dev/token", json={**asked, "code": dev_code})
    assert_error(bare, 422, "validation_error")
    assert_error(guessed, 403, "wrong_sign_in_code")
    assert tasks.status_code == 401
    assert person.status_code == 200
    assert dev_code in caplog.text  # printed at start, where the person sees it
