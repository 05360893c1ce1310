"""Raw bytes at the loopback redirect server: it answers or closes, and keeps serving.

One server runs for the whole module (in a thread, as during a flow); each example opens a
connection, sends its bytes, half-closes and reads until the server closes. The answer is
empty or an HTTP response with a status the server means to send (never a 500: that would be
a bug in the handler), and a request for another path is still answered 404 right after.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from hypothesis import example, given

from itsme_debugger.net.httpserver import Limits
from itsme_debugger.net.loopback import LoopbackServer
from tests.flowrun import ThreadedLoop

from . import strategies as s

pytestmark = [s.mark, pytest.mark.timeout(0 if s.LONG_RUN else 300)]
STATUSES = {200, 400, 404, 405, 408, 409, 413, 414, 431, 501, 505}


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    threaded = ThreadedLoop()
    lb = LoopbackServer(
        "http://127.0.0.1:0/callback", expected_state="s", limits=Limits(read_timeout=1.0)
    )
    threaded.call(lb.start())
    try:
        port = lb.redirect_uri.split(":")[2].split("/")[0]
        yield int(port)
    finally:
        threaded.call(lb.close())
        threaded.close()


def send(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        chunks: list[bytes] = []
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except (ConnectionResetError, BrokenPipeError):
            pass  # the server closed first: allowed
        return b"".join(chunks)


def statuses(answer: bytes) -> list[int]:
    """The status of every response in ``answer`` (pipelined requests get several)."""
    out = []
    for line in answer.split(b"\r\n"):
        if line.startswith(b"HTTP/1.1 "):
            out.append(int(line.split(b" ", 2)[1]))
    return out


@s.fuzz(150)
@given(s.raw_requests())
@example(b"GET /callback?code=c&state=s HTTP/1.1\r\nHost: x\r\n\r\n" * 2)
@example(b"POST /callback HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
@example(b"GET /callback HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n")
def test_raw_bytes_get_an_answer_or_a_close(port: int, data: bytes) -> None:
    answer = send(port, data)
    if answer:
        assert answer.startswith(b"HTTP/1.1 "), answer[:80]
        codes = statuses(answer)
        assert codes and set(codes) <= STATUSES, codes
    after = send(port, b"GET /favicon.ico HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert statuses(after) == [404], "the server must keep serving"
