"""The development-mode HS256 secret: generated once, kept in the data dir."""

import logging
import os
import secrets
from pathlib import Path

log = logging.getLogger(__name__)

DEV_SECRET_FILE = "dev-secret"


def load_or_create_dev_secret(data_dir: Path) -> str:
    path = data_dir / DEV_SECRET_FILE
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    # O_EXCL: two processes starting at once agree on one secret.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(secret)
    log.warning(
        "dev mode: no AUTH_SECRET or AUTH_JWKS_URL set; generated a secret in %s. Anyone who "
        "reaches this server on loopback can sign in as anyone: never put a proxy, port "
        "forward or tunnel in front of it (docs/web.md)",
        path,
    )
    return secret
