"""The scripted user of the hostile suite: GET the URL, follow the redirects, done.

    python -I -S tests/hostile/browser.py URL

The hostile provider answers the authorization request with the redirect at once, so all a
browser has to do is follow it to the debugger's loopback server. Both are plain http on
127.0.0.1, so a socket is enough: no urllib, no ssl, started without ``site``, it costs a few
milliseconds per flow. It never fails loudly: whatever goes wrong is one line on stderr (the
debugger's own timeout then tells the story).
"""

from __future__ import annotations

import socket
import sys
from urllib.parse import urljoin, urlsplit

MAX_HOPS = 5


def get(url: str) -> tuple[int, str | None]:
    """GET ``url`` (http only); its status and Location header."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"not an http URL: {url[:80]}")
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    with socket.create_connection((parts.hostname, parts.port or 80), timeout=20) as conn:
        conn.sendall(
            f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n".encode()
        )
        head = b""
        while b"\r\n\r\n" not in head and len(head) < 65536:
            chunk = conn.recv(65536)
            if not chunk:
                break
            head += chunk
    lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    location = next(
        (
            line.split(":", 1)[1].strip()
            for line in lines[1:]
            if line.lower().startswith("location:")
        ),
        None,
    )
    return status, location


def main(url: str) -> int:
    try:
        for _ in range(MAX_HOPS):
            status, location = get(url)
            if status not in (301, 302, 303, 307, 308) or not location:
                return 0
            url = urljoin(url, location)
    except (OSError, ValueError, IndexError) as exc:
        print(f"browser: {url[:80]}: {exc}", file=sys.stderr)
        return 1
    print(f"browser: more than {MAX_HOPS} redirects", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
