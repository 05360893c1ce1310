"""The trace: every HTTP exchange of a flow, in order, as plain data.

The trace announces changes to listeners (plain callables), so the GUI can wrap it in a Qt
model and the CLI can print progress, without the core knowing either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from .http import HttpRequest, HttpResponse

#: The note of a URL the flow opened in the browser (the authorization request, a session's
#: authentication URL), beside the redirect that came back from it.
OPENED_IN_BROWSER = "opened in the browser"


@dataclass(frozen=True)
class Exchange:
    """One request and its response (or the error that took its place)."""

    index: int
    step: str
    request: HttpRequest
    response: HttpResponse | None = None
    #: Seconds since the epoch when the request started.
    started: float = 0.0
    elapsed_ms: float = 0.0
    error: str | None = None
    #: "http" for exchanges we sent; "browser" for the redirect captured on loopback.
    kind: str = "http"
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_returned_redirect(self) -> bool:
        """The browser's way back to the client: the redirect (or callback) captured on
        loopback, or the URL the user pasted; not a URL the flow opened in the browser."""
        return self.kind == "browser" and self.step == "callback" and self.note != OPENED_IN_BROWSER


Listener = Callable[["Exchange"], None]


class Trace:
    def __init__(self) -> None:
        self._exchanges: list[Exchange] = []
        self._listeners: list[Listener] = []

    def add(
        self,
        step: str,
        request: HttpRequest,
        response: HttpResponse | None = None,
        **kw: Any,
    ) -> Exchange:
        ex = Exchange(len(self._exchanges), step, request, response, **kw)
        self._exchanges.append(ex)
        self._emit(ex)
        return ex

    def replace(self, exchange: Exchange, **changes: Any) -> Exchange:
        new = replace(exchange, **changes)
        self._exchanges[exchange.index] = new
        self._emit(new)
        return new

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _emit(self, ex: Exchange) -> None:
        for listener in list(self._listeners):
            listener(ex)

    def __iter__(self) -> Iterator[Exchange]:
        return iter(list(self._exchanges))

    def __len__(self) -> int:
        return len(self._exchanges)

    def __getitem__(self, i: int) -> Exchange:
        return self._exchanges[i]

    def for_step(self, step: str) -> list[Exchange]:
        return [e for e in self._exchanges if e.step == step]
