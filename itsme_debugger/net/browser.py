"""Open the authorization URL: in the system browser, or with a command the user gives.

The caller starts the loopback listener first, so the redirect cannot arrive before anyone
listens. A command (``--open-with``) runs in the background with the URL as its last argument,
its input closed and its output sent to our stderr (stdout may carry the JSON report).
"""

from __future__ import annotations

import asyncio
import shlex
import webbrowser

from itsme_debugger.core.errors import ConfigError

_STDERR = 2


async def open_in_browser(
    url: str, command: str | None = None
) -> asyncio.subprocess.Process | None:
    """Open ``url``; the started process when ``command`` is given, else None.

    ConfigError (one line) when no browser starts or the command cannot be run.
    """
    if command is None:
        if not await asyncio.to_thread(webbrowser.open, url):
            raise ConfigError(f"no browser could be started; open this URL yourself: {url}")
        return None
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise ConfigError(f"the browser command {command!r} cannot be read: {exc}") from None
    if not argv:
        raise ConfigError("the browser command is empty")
    try:
        return await asyncio.create_subprocess_exec(
            *argv,
            url,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=_STDERR,
        )
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigError(f"the browser command {argv[0]!r} cannot be started: {reason}") from None


__all__ = ["open_in_browser"]
