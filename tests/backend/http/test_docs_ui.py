"""/docs and /redoc load every asset from the app itself (the product works offline)."""

import re

import httpx
import pytest


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_doc_pages_load_only_assets_the_app_serves(
    client: httpx.AsyncClient, page: str
) -> None:
    response = await client.get(page)
    assert response.status_code == 200
    urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", response.text)
    assert urls, response.text
    for url in urls:
        assert url.startswith("/"), f"{page} loads {url} from elsewhere"
        if url != "/openapi.json" and not url.startswith("/docs/oauth2"):
            asset = await client.get(url)
            assert asset.status_code == 200, url
            assert asset.content, url
