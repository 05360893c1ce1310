"""A scripted user for the Demo: follows the authorization URL's redirects like a browser.

Against the mock provider with auto-approve, the authorization endpoint answers with the
redirect at once; following it delivers the code to the loopback server, exactly as a browser
would. Pages that need a human (a consent or login form) stop it with a clear error.
"""

from __future__ import annotations

from urllib.parse import urljoin

import httpx

from .errors import NetworkError
from .tls import tls_context


async def follow_redirects(url: str, *, max_hops: int = 10, timeout: float = 10.0) -> None:
    async with httpx.AsyncClient(
        trust_env=False, timeout=timeout, follow_redirects=False, verify=tls_context(False)
    ) as c:
        for _ in range(max_hops):
            try:
                resp = await c.get(url)
            except httpx.HTTPError as exc:
                raise NetworkError(f"{url}: {exc}", code="network.connect") from exc
            location = resp.headers.get("location")
            if resp.is_redirect and location:
                url = urljoin(url, location)
                continue
            if resp.status_code >= 400 or "<form" in resp.text.lower():
                # The loopback server's own result page is the normal end.
                if "itsme-debugger" in resp.text:
                    return
                raise NetworkError(
                    f"the provider answered {resp.status_code} with a page that needs a person; "
                    "open the authorization URL in a browser instead",
                    code="network.protocol",
                )
            return
        raise NetworkError(f"more than {max_hops} redirects", code="network.protocol")
