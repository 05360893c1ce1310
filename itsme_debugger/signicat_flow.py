"""The Signicat Authentication REST API flow (seed 001), run step by step like the OIDC flow.

api_token → create_session → callback → session_status: an API access token by the client
credentials grant; a session whose callback URLs point at a loopback server (success, abort
and error: three paths of one server, listening before the session is created); the browser
sent to the session's ``authenticationUrl``; whichever callback comes back, with its
``sessionId``; then the session's status and subject. :class:`SignicatRestEngine` has
:class:`~itsme_debugger.flow.FlowEngine`'s interface (the same events, ``trace``, ``result``,
:meth:`run`, :meth:`paste_redirect`; cancelling frees the port), so the command line and the
GUI drive it the same way; ``itsme-debugger flow`` picks it for ``kind = "signicat-rest"``.

Exit codes, as DESIGN.md's: a session that ends ``ABORT`` (the user aborted, like
``access_denied``), ``ERROR``, ``EXPIRED``, ``CANCELLED`` or ``INVALID`` is a provider refusal:
its finding (``signicat.session_aborted``...) and exit 3. A callback or a session that fails
the checks (another ``sessionId``, a status that contradicts the callback, no subject on
``SUCCESS``) is exit 1; an API error answer, a 5xx or a timeout is exit 3.
"""

from __future__ import annotations

import asyncio
import time

from .core import oauth_errors
from .core.client_auth import make_client_auth
from .core.errors import ConfigError, DebuggerError, OAuthError, ProviderError
from .core.http import HttpRequest
from .core.profile import Profile, RestConfig
from .core.report import REST_STEPS, FlowResult
from .core.signicat import (
    STATUSES,
    ApiError,
    Callback,
    CallbackUrls,
    Session,
    api_token_endpoint,
    build_api_token_request,
    build_create_session_request,
    build_session_status_request,
    lint_session_request,
    parse_callback,
    process_api_token_response,
    process_session_response,
    process_session_status,
)
from .core.trace import OPENED_IN_BROWSER
from .flow import FlowEngine, FlowStopped
from .net.session_callback import CallbackServer


class SignicatRestEngine(FlowEngine):
    """Runs one REST API flow for a ``signicat-rest`` profile. One per run; :meth:`run` once.

    It shares :class:`FlowEngine`'s event plumbing (listener, trace, step records, paste
    mode) and replaces the steps.
    """

    def _new_result(self, profile: Profile) -> FlowResult:
        if profile.rest is None:
            raise ConfigError(f"{profile.name}: not a signicat-rest profile")
        return FlowResult.with_steps(profile.name, REST_STEPS)

    @property
    def rest(self) -> RestConfig:
        assert self.profile.rest is not None  # _new_result refuses a profile without it
        return self.profile.rest

    async def run(self) -> FlowResult:
        current = "api_token"
        server: CallbackServer | None = None
        try:
            self._warn_if_tls_off("api_token")
            token = await self._api_token()
            current = "create_session"
            if self.profile.flow.redirect == "loopback":
                server = CallbackServer(self.rest.callback_base)
            session, urls = await self._create_session(token, server)
            current = "callback"
            callback = await self._callback(session, urls, server)
            current = "session_status"
            await self._session_status(token, session, callback)
        except FlowStopped:
            self._skip_rest()
        except OAuthError as exc:
            self.result.error = exc
            finding = oauth_errors.explain(exc.endpoint or "token", exc.error, exc.description)
            self._add(current, [finding])
            self._fail(current)
        except ApiError as exc:
            self.result.error = exc
            self._add(current, [exc.finding])
            self._fail(current)
        except DebuggerError as exc:
            self.result.error = exc
            self._fail(current, exc.message)
        except TimeoutError:
            self._browser_timed_out(current, "callback", self.rest.callback_base)
        except asyncio.CancelledError:
            self._cancelled(current)
            raise
        finally:
            if server is not None:
                await server.close()
            await self._http.aclose()
        return self.result

    # -- steps -----------------------------------------------------------------------------

    async def _api_token(self) -> str:
        started = time.perf_counter()
        self._set("api_token", "running")
        provider, c = self.profile.provider, self.profile.client
        endpoint = provider.endpoints.get("token_endpoint") or api_token_endpoint(provider.api_base)
        auth = make_client_auth(c.auth_method, c.client_id, secret=self.secrets.client_secret)
        resp = await self._send(build_api_token_request(endpoint, auth), "api_token")
        self.result.token_status = resp.status
        tokens, findings = process_api_token_response(resp)
        self.result.token = tokens
        self._add("api_token", findings)
        self._finish("api_token", started)
        if not tokens.access_token:
            raise FlowStopped
        return tokens.access_token

    async def _create_session(
        self, token: str, server: CallbackServer | None
    ) -> tuple[Session, CallbackUrls]:
        started = time.perf_counter()
        self._set("create_session", "running")
        if server is not None:
            await server.start()
            urls = server.callback_urls
        else:
            urls = CallbackUrls.under(self.rest.callback_base)
        rest = self.rest
        self._add(
            "create_session",
            lint_session_request(
                providers=rest.providers,
                requested_attributes=rest.attributes,
                callback_urls=urls,
                session_lifetime=rest.session_lifetime,
            ),
        )
        request = build_create_session_request(
            self.profile.provider.api_base,
            token,
            callback_urls=urls,
            requested_attributes=rest.attributes,
            providers=rest.providers,
            session_lifetime=rest.session_lifetime,
        )
        resp = await self._send(request, "create_session")
        session, findings = process_session_response(resp, sent_callback_urls=urls)
        self.result.session = session
        self._add("create_session", findings)
        self._finish("create_session", started, session.id)
        if not session.id or not session.authentication_url:
            raise FlowStopped
        return session, urls

    async def _callback(
        self, session: Session, urls: CallbackUrls, server: CallbackServer | None
    ) -> Callback:
        assert session.authentication_url is not None
        url = session.authentication_url
        started = time.perf_counter()
        self._set("callback", "running", "waiting for the browser")
        self.trace.add(
            "callback",
            HttpRequest.get(url),
            None,
            started=time.time(),
            kind="browser",
            note=OPENED_IN_BROWSER,
        )
        listening = (server.base_url + "/{success,abort,error}",) if server is not None else ()
        came = await self._wait_for_browser(
            url, urls.success, server, listening, what="callback", from_paste=lambda u: u
        )
        callback, findings = parse_callback(came, urls, session.id)
        self.result.callback = callback
        self._add("callback", findings)
        self._finish("callback", started, callback.outcome or "unexpected")
        return callback

    async def _session_status(self, token: str, session: Session, callback: Callback) -> None:
        started = time.perf_counter()
        self._set("session_status", "running")
        request = build_session_status_request(self.profile.provider.api_base, token, session.id)
        resp = await self._send(request, "session_status")
        status, findings = process_session_status(
            resp,
            expected_id=session.id,
            requested_attributes=self.rest.attributes,
            callback=callback,
        )
        self.result.session = status
        self._add("session_status", findings)
        self._finish("session_status", started, status.status)
        info = STATUSES.get(status.status)
        if info is not None and info.final and info.finding is not None:
            # The user aborted, or the provider failed the session: a provider answer (exit 3).
            self.result.error = ProviderError(
                f"the session ended in status {status.status}: {info.meaning}",
                code=info.finding,
            )
