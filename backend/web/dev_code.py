"""The dev sign-in code: what proves a dev sign-in comes from the person at the machine.

Loopback checks cannot tell the person at the machine from a reverse proxy or TCP forwarder
on the same host (its connections are loopback too, and it may name `localhost` and add no
header). So `POST /dev/token` also needs this code, which the server prints to its own
terminal (its log) when it starts and which is derived from the dev secret in the data dir:
whoever can read either could sign tokens anyway; nobody who only reaches the port can.
"""

import base64
import hashlib
import hmac
import logging
import secrets

from backend.auth.tokens import hs256_secret
from backend.settings import Settings

log = logging.getLogger(__name__)

# 80 bits: 16 base32 characters, shown in groups of four.
CODE_BYTES = 10


def dev_mode(settings: Settings) -> bool:
    return settings.auth_secret is None and settings.auth_jwks_url is None


def dev_sign_in_code(settings: Settings) -> str:
    """The code for this data dir's dev secret ("ABCD-EFGH-JKLM-NPQR")."""
    secret = hs256_secret(settings)
    assert secret is not None, "only in dev mode"
    digest = hmac.new(secret.encode(), b"todo-chat dev sign-in", hashlib.sha256).digest()
    plain = base64.b32encode(digest[:CODE_BYTES]).decode()
    return "-".join(plain[i : i + 4] for i in range(0, len(plain), 4))


def code_matches(settings: Settings, given: str) -> bool:
    """Case, spaces and dashes as the person typed them do not matter."""
    typed = "".join(ch for ch in given.upper() if ch.isalnum())
    expected = dev_sign_in_code(settings).replace("-", "")
    return secrets.compare_digest(typed.encode(), expected.encode())


def announce_dev_sign_in(settings: Settings) -> None:
    """At start, in dev mode: the code, where the person running the server sees it."""
    if dev_mode(settings):
        log.warning(
            "dev mode: to sign in by name on the page, enter the sign-in code %s "
            "(dev mode is for one person on this machine; see docs/deploy.md)",
            dev_sign_in_code(settings),
        )
