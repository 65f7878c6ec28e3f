"""Token building for the auth tests, and a real JWKS endpoint on a loopback port."""

import base64
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt

# Shaped like Better Auth's own tokens: iss and aud are its base URL.
ISSUER = "https://auth.example.test"
AUDIENCE = "https://auth.example.test"
OTHER_SECRET = "another-secret-that-is-also-long-enough-for-hs256-98765"


def claims(**overrides: Any) -> dict[str, Any]:
    """A valid claim set for alice; an override of `None` removes the claim."""
    now = int(time.time())
    values: dict[str, Any] = {"sub": "alice", "iat": now, "exp": now + 900, **overrides}
    return {k: v for k, v in values.items() if v is not None}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hand_made(
    header: dict[str, Any], payload: dict[str, Any], hmac_key: bytes | None, digest: str = "sha256"
) -> str:
    """A compact JWS built by hand (pyjwt refuses to make the dangerous ones)."""
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"
    signature = b""
    if hmac_key is not None:
        signature = hmac.new(hmac_key, signing_input.encode(), digest).digest()
    return f"{signing_input}.{b64url(signature)}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class JwksServer:
    """Serves `document` as JSON on a loopback port and counts the requests it gets.

    The socket is bound and listening when the constructor returns, so no wait is needed.
    """

    def __init__(self) -> None:
        self.document: Any = {"keys": []}
        self.status = 200
        self.raw: bytes | None = None
        self.requests = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with server._lock:
                    server.requests += 1
                body = server.raw if server.raw is not None else json.dumps(server.document)
                payload = body if isinstance(body, bytes) else body.encode()
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}/api/auth/jwks"
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @contextmanager
    def serving(self) -> Iterator["JwksServer"]:
        self._thread.start()
        try:
            yield self
        finally:
            self._http.shutdown()
            self._http.server_close()
            self._thread.join()


def public_jwk(algorithm: str, private_key: Any, kid: str | None) -> dict[str, Any]:
    """The public half of `private_key` as a JWK, as an IdP would publish it."""
    jwk: dict[str, Any] = json.loads(
        jwt.get_algorithm_by_name(algorithm).to_jwk(private_key.public_key())
    )
    if kid is not None:
        jwk["kid"] = kid
    return jwk
