"""Opening the authorization URL: the system browser, or the user's command."""

from __future__ import annotations

import asyncio
import shlex
import sys
from pathlib import Path

import pytest

from itsme_debugger.core.errors import ConfigError
from itsme_debugger.net import browser
from itsme_debugger.net.browser import open_in_browser

URL = "https://idp.e2e.itsme.services/v2/authorization?client_id=a b&scope=openid service:X&x='y'"


def python_command(code: str, *args: str) -> str:
    return shlex.join([sys.executable, "-c", code, *args])


def test_command_gets_the_url_as_its_last_argument_and_no_input(tmp_path: Path):
    out = tmp_path / "out.txt"
    code = (
        "import sys; open(sys.argv[1], 'w', encoding='utf-8')"
        ".write(repr(sys.argv[2:]) + '|' + sys.stdin.read())"
    )

    async def main() -> None:
        proc = await open_in_browser(URL, python_command(code, str(out)))
        assert proc is not None
        assert await asyncio.wait_for(proc.wait(), 10) == 0

    asyncio.run(main())
    assert out.read_text(encoding="utf-8") == repr([URL]) + "|"


def test_command_output_goes_to_stderr_not_stdout(capfd: pytest.CaptureFixture[str]):
    async def main() -> None:
        proc = await open_in_browser(URL, python_command("print('browser says hi')"))
        assert proc is not None
        await asyncio.wait_for(proc.wait(), 10)

    asyncio.run(main())
    captured = capfd.readouterr()
    assert "browser says hi" in captured.err
    assert "browser says hi" not in captured.out


def test_command_runs_in_the_background():
    async def main() -> None:
        proc = await open_in_browser(URL, python_command("import time; time.sleep(30)"))
        assert proc is not None
        assert proc.returncode is None  # returned without waiting for it
        proc.terminate()
        await proc.wait()

    asyncio.run(main())


def test_command_not_found_is_a_config_error():
    with pytest.raises(ConfigError) as info:
        asyncio.run(open_in_browser(URL, "/nonexistent/browser --new-tab"))
    message = str(info.value)
    assert message.startswith("the browser command '/nonexistent/browser' cannot be started")
    assert "\n" not in message


def test_empty_command_is_a_config_error():
    with pytest.raises(ConfigError, match="empty"):
        asyncio.run(open_in_browser(URL, "   "))


def test_unbalanced_quotes_are_a_config_error():
    with pytest.raises(ConfigError, match="cannot be read"):
        asyncio.run(open_in_browser(URL, "firefox 'oops"))


def test_system_browser(monkeypatch: pytest.MonkeyPatch):
    opened: list[str] = []

    def fake_open(url: str) -> bool:
        opened.append(url)
        return True

    monkeypatch.setattr(browser.webbrowser, "open", fake_open)
    assert asyncio.run(open_in_browser(URL)) is None
    assert opened == [URL]


def test_no_system_browser_says_to_open_the_url_by_hand(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(browser.webbrowser, "open", lambda url: False)
    with pytest.raises(ConfigError) as info:
        asyncio.run(open_in_browser(URL))
    assert str(info.value) == f"no browser could be started; open this URL yourself: {URL}"
