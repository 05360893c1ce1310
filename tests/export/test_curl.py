"""Copy as curl: the command parses back to exactly the intended argument vector."""

from __future__ import annotations

import shlex
import shutil
import subprocess

import pytest

from itsme_debugger.core.http import HttpRequest
from itsme_debugger.export import curl_argv, to_curl

TRICKY = 'it\'s "quoted" $HOME `x` \\ ; & | * ? ~ !\n\tdone'


def _bash_argv(command: str) -> list[str]:
    """How bash splits ``command``: curl replaced by a function that prints its arguments."""
    script = 'curl() { printf "%s\\0" "$@"; }\n' + command
    out = subprocess.run(["bash", "-c", script], capture_output=True, check=True).stdout
    return ["curl", *out.decode().split("\0")[:-1]]


def test_a_form_post_becomes_data_raw_with_its_headers() -> None:
    request = HttpRequest.form(
        "https://idp.example/token",
        {"grant_type": "authorization_code", "redirect_uri": "http://127.0.0.1/cb"},
        (("Accept", "application/json"),),
    )
    assert curl_argv(request) == [
        "curl",
        "https://idp.example/token",
        "-H",
        "Content-Type: application/x-www-form-urlencoded",
        "-H",
        "Accept: application/json",
        "--data-raw",
        "grant_type=authorization_code&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb",
    ]


def test_shlex_splits_the_one_line_command_back_into_the_argv() -> None:
    request = HttpRequest(
        "PUT",
        "https://idp.example/a?b=c&d='e'",
        (("X-Tricky", TRICKY), ("Host", "idp.example"), ("Content-Length", "5")),
        TRICKY.encode(),
    )
    command = to_curl(request, multiline=False)
    assert " \\\n" not in command
    assert shlex.split(command) == curl_argv(request)
    assert curl_argv(request)[:4] == ["curl", "-X", "PUT", "https://idp.example/a?b=c&d='e'"]
    assert curl_argv(request)[-2:] == ["--data-raw", TRICKY]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_parses_the_multiline_command_into_the_same_argv() -> None:
    request = HttpRequest(
        "POST",
        "https://idp.example/token",
        (("X-Tricky", TRICKY), ("Accept-Encoding", "gzip"), ("X-Empty", "")),
        b"a=1&b=%27x%27",
    )
    command = to_curl(request)
    assert command.count(" \\\n  ") == 4
    assert _bash_argv(command) == curl_argv(request)


def test_curl_computes_host_length_and_connection_itself() -> None:
    request = HttpRequest(
        "GET",
        "https://idp.example/",
        (("Host", "idp.example"), ("Content-Length", "0"), ("Connection", "close")),
    )
    assert curl_argv(request) == ["curl", "https://idp.example/"]


def test_accept_encoding_becomes_compressed() -> None:
    request = HttpRequest.get("https://idp.example/", (("Accept-Encoding", "gzip, deflate"),))
    assert curl_argv(request) == ["curl", "https://idp.example/", "--compressed"]


def test_an_empty_header_is_sent_empty() -> None:
    request = HttpRequest.get("https://idp.example/", (("X-Empty", ""),))
    assert curl_argv(request)[-2:] == ["-H", "X-Empty;"]


def test_a_get_with_a_body_says_its_method() -> None:
    request = HttpRequest("GET", "https://idp.example/", (), b"q=1")
    assert curl_argv(request)[:3] == ["curl", "-X", "GET"]


def test_secrets_are_masked_unless_revealed() -> None:
    request = HttpRequest.form(
        "https://idp.example/token",
        {"code": "the-code-1234", "client_secret": "s3cr3t-value"},
        (("Authorization", "Bearer at-123456"),),
        secret_fields=frozenset({"code", "client_secret"}),
    )
    masked = to_curl(request)
    assert "the-code-1234" not in masked and "s3cr3t-value" not in masked
    assert "at-123456" not in masked and "'Authorization: Bearer «redacted, 9 chars»'" in masked
    revealed = shlex.split(to_curl(request, reveal=True, multiline=False))
    assert revealed[-1] == "code=the-code-1234&client_secret=s3cr3t-value"
