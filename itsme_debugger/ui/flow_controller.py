"""Runs the flow engine on the Qt event loop (qasync) and turns its events into Qt signals.

asyncio (and the engine, httpx with it) is imported where it is first used, not with this
module: the window that holds a controller is painted before the asyncio loop starts.

One :class:`FlowController` lives as long as the window. It owns the task running the engine
(``FlowEngine``, or ``SignicatRestEngine`` for a ``signicat-rest`` profile; cancelling it frees
the loopback port), and the in-process mock providers of the Demos (itsme®, and the Signicat
broker with its REST API), each started once on demand and closed by
:meth:`FlowController.aclose`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from itsme_debugger.core.errors import ConfigError, DebuggerError
from itsme_debugger.core.profile import Profile
from itsme_debugger.core.report import FlowResult

if TYPE_CHECKING:
    import asyncio

    # The engine (and httpx with it) is imported at the first Start: the window opens sooner.
    from itsme_debugger.flow import FlowEngine, FlowEvent, Opener, Secrets
    from itsme_debugger.mockop.provider import MockProvider


#: The Demos' mock providers: ``ITSME`` (itsme® v2) and ``SIGNICAT`` (the broker + REST API).
ITSME, SIGNICAT = "itsme", "signicat"


def default_mock() -> MockProvider:
    """The Demo's provider: itsme® v2 with its consent page (Approve / Deny) in the browser."""
    from itsme_debugger.mockop.provider import MockProvider

    return MockProvider("itsme-v2")


def default_signicat_mock() -> MockProvider:
    """The Signicat Demos' provider: the broker's OIDC server and the Authentication REST API,
    with their pages (itsme® consent; Approve / Abort / Error) in the browser."""
    from itsme_debugger.mockop.provider import MockProvider

    return MockProvider("signicat")


def _load_engine() -> None:
    import importlib

    for name in ("itsme_debugger.flow", "itsme_debugger.signicat_flow"):
        importlib.import_module(name)
    from itsme_debugger.net.tls import tls_context

    for trust_env in (False, True):  # loopback (the Demo) and the rest
        tls_context(trust_env)


def demo_mock_for(profile: Profile) -> str:
    """Which Demo mock serves ``profile``: ``SIGNICAT`` for the signicat variant, else ``ITSME``."""
    return SIGNICAT if profile.is_rest or profile.provider.variant == "signicat" else ITSME


class FlowController(QObject):
    """Start, cancel and feed one flow at a time; see the module docstring."""

    #: the FlowEngine that starts (its ``trace`` fills the timeline)
    started = Signal(object)
    #: a StepRecord
    stepChanged = Signal(object)
    #: (step name, Finding)
    findingAdded = Signal(str, object)
    #: an Exchange
    exchangeAdded = Signal(object)
    #: a flow.WaitingForBrowser
    waitingForBrowser = Signal(object)
    #: no browser could be started (the user opens the URL by hand)
    browserFailed = Signal(str)
    #: the FlowResult, also after a cancel
    finished = Signal(object)
    #: the flow could not start (the Demo's mock provider failed to start)
    failed = Signal(str)
    #: a Demo's MockProvider is listening (the itsme® one or the Signicat one)
    demoReady = Signal(object)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        make_mock: Callable[[], MockProvider] = default_mock,
        make_signicat_mock: Callable[[], MockProvider] = default_signicat_mock,
        browser_timeout: float = 300.0,
    ) -> None:
        super().__init__(parent)
        self._make_mock = {ITSME: make_mock, SIGNICAT: make_signicat_mock}
        self._browser_timeout = browser_timeout
        self._task: asyncio.Task[None] | None = None
        self._running = False
        self._engine: FlowEngine | None = None
        self._opener: Opener = self._open_browser
        self._url = ""
        self._mock_tasks: dict[str, asyncio.Task[MockProvider | None]] = {}
        self._preload: asyncio.Task[None] | None = None
        self.mock_error = ""
        #: How the default opener opens the authorization URL: this command with the URL as
        #: its last argument, or the system browser (None).
        self.browser_command: str | None = None

    # -- state -----------------------------------------------------------------------------

    @property
    def is_running(self) -> bool:
        """From :meth:`start` until ``finished`` or ``failed`` is emitted."""
        return self._running

    @property
    def engine(self) -> FlowEngine | None:
        """The engine of the running or last flow."""
        return self._engine

    @property
    def result(self) -> FlowResult | None:
        """The running or last flow's result, filled step by step."""
        return self._engine.result if self._engine is not None else None

    # -- off the UI thread, before the first Start -------------------------------------------

    def preload(self) -> asyncio.Task[None]:
        """Import the engine (httpx and the JOSE layer with it) and build the TLS contexts on
        a worker thread, so that the first Start does not wait for them on the UI thread.
        Once: later calls return the same task."""
        import asyncio

        from itsme_debugger.net.tasks import spawn

        if self._preload is None:
            self._preload = spawn(asyncio.to_thread(_load_engine), name="preload")
        return self._preload

    # -- the Demos' mock providers -----------------------------------------------------------

    def prepare_demo(self, which: str = ITSME) -> asyncio.Task[MockProvider | None]:
        """Start a Demo's mock provider (once; ``ITSME`` or ``SIGNICAT``); ``demoReady`` tells
        when it listens."""
        from itsme_debugger.net.tasks import spawn

        task = self._mock_tasks.get(which)
        if task is None:
            task = self._mock_tasks[which] = spawn(self._start_mock(which), name=f"demo-{which}")
        return task

    async def demo(self, which: str = ITSME) -> MockProvider | None:
        """The running mock provider; None when it could not start (see ``mock_error``)."""
        import asyncio

        return await asyncio.shield(self.prepare_demo(which))

    async def _start_mock(self, which: str) -> MockProvider | None:
        import asyncio

        try:
            # Making its RSA keys takes a moment: not on the UI thread.
            mock = await asyncio.to_thread(self._make_mock[which])
            await mock.start()
        except OSError as exc:
            self.mock_error = f"the Demo's mock provider could not start: {exc.strerror or exc}"
            self._mock_tasks.pop(which, None)
            return None
        self.demoReady.emit(mock)
        return mock

    # -- the flow ----------------------------------------------------------------------------

    def start(
        self, profile: Profile, secrets: Secrets | None, opener: Opener | None = None
    ) -> None:
        """Run a flow for ``profile``; ``secrets`` None for a Demo (the mock's client: the
        Signicat mock's for the signicat variant, its API client for a REST profile).

        ``opener`` opens the authorization URL (default: the system browser).
        """
        from itsme_debugger.net.tasks import spawn

        if self.is_running:
            raise RuntimeError("a flow is running already")
        self._opener = opener or self._open_browser
        self._running = True
        self._task = spawn(self._run(profile, secrets), name="flow")
        self._task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        if not self._running:  # finished or failed said how it ended
            return
        if task.cancelled():  # before it ran a line
            self._failed("the flow was cancelled before it started")
            return
        exc = task.exception()
        self._failed(
            f"internal error: {type(exc).__name__}: {exc} (please report it)"
            if exc is not None
            else "the flow ended without a result"
        )

    async def _run(self, profile: Profile, secrets: Secrets | None) -> None:
        import asyncio

        from itsme_debugger.flow import FlowEngine

        if secrets is None:
            from itsme_debugger.demo import demo_rest_secrets, demo_secrets

            try:
                mock = await self.demo(demo_mock_for(profile))
            except asyncio.CancelledError:
                self._failed("cancelled while the Demo's mock provider was starting")
                return
            if mock is None:
                self._failed(self.mock_error)
                return
            try:
                secrets = demo_rest_secrets(mock) if profile.is_rest else demo_secrets(mock)
            except DebuggerError as exc:
                self._failed(exc.message)
                return
        engine_class: type[FlowEngine] = FlowEngine
        if profile.is_rest:
            from itsme_debugger.signicat_flow import SignicatRestEngine

            engine_class = SignicatRestEngine
        try:
            engine = engine_class(
                profile,
                secrets,
                opener=self._opener,
                listener=self._on_event,
                browser_timeout=self._browser_timeout,
            )
        except DebuggerError as exc:
            self._failed(exc.message)
            return
        self._engine = engine
        self.started.emit(engine)
        with contextlib.suppress(asyncio.CancelledError):
            await engine.run()
        self._running = False
        self.finished.emit(engine.result)

    def _failed(self, message: str) -> None:
        self._running = False
        self.failed.emit(message)

    def cancel(self) -> None:
        """Stop the running flow; the engine frees the loopback port and skips the rest."""
        if self._running and self._task is not None:
            self._task.cancel()

    def paste(self, url: str) -> bool:
        """Hand the waiting flow a redirect URL; False when no flow waits for one."""
        if self._engine is None or not self._engine.waiting_for_redirect:
            return False
        self._engine.paste_redirect(url)
        return True

    def open_again(self) -> None:
        """Open the authorization URL of the waiting flow once more."""
        if self._url and self.is_running:
            from itsme_debugger.net.tasks import spawn

            spawn(self._open_again(self._url), name="open-again")

    async def _open_again(self, url: str) -> None:
        await self._opener(url)

    async def _open_browser(self, url: str) -> None:
        from itsme_debugger.net.browser import open_in_browser

        try:
            await open_in_browser(url, self.browser_command)
        except ConfigError as exc:
            # Keep waiting: the user can still open (or paste) the URL by hand.
            self.browserFailed.emit(exc.message)

    def _on_event(self, event: FlowEvent) -> None:
        from itsme_debugger.flow import ExchangeAdded, FindingAdded, StepChanged, WaitingForBrowser

        if isinstance(event, StepChanged):
            self.stepChanged.emit(event.step)
        elif isinstance(event, FindingAdded):
            self.findingAdded.emit(event.step, event.finding)
        elif isinstance(event, ExchangeAdded):
            self.exchangeAdded.emit(event.exchange)
        elif isinstance(event, WaitingForBrowser):
            self._url = event.url
            self.waitingForBrowser.emit(event)

    # -- shutting down -----------------------------------------------------------------------

    async def aclose(self) -> None:
        """Cancel the flow, wait for it to let go of its port, close the mock providers."""
        import asyncio

        task = self._task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        while self._mock_tasks:
            _which, mock_task = self._mock_tasks.popitem()
            mock = await mock_task
            if mock is not None:
                await mock.close()


__all__ = [
    "ITSME",
    "SIGNICAT",
    "FlowController",
    "default_mock",
    "default_signicat_mock",
    "demo_mock_for",
]
