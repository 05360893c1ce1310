"""The flow engine: one async engine that runs a flow step by step.

discovery → authorization → redirect capture → token exchange → ID token → UserInfo →
revocation. Every HTTP exchange goes into the :class:`~itsme_debugger.core.trace.Trace`;
every step, finding and exchange is announced to a listener as a :data:`FlowEvent`, so the
command line prints progress and the GUI updates its panes from the same engine.

The engine does I/O through ``net`` and all protocol work through ``core``; it computes no
protocol result itself.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import httpx
from jwcrypto import jwk

from .core import oauth_errors
from .core.authorize import (
    AuthorizationParams,
    authorization_params,
    build_authorization_url,
    lint_authorization_request,
    new_nonce,
    new_state,
)
from .core.claims import check_returned_claims
from .core.client_auth import ClientAuth, make_client_auth
from .core.discovery import (
    ProviderMetadata,
    build_discovery_request,
    discovery_stop_reason,
    discovery_url,
    metadata_from_endpoints,
    process_discovery_response,
)
from .core.errors import ConfigError, DebuggerError, OAuthError, ProviderError
from .core.findings import Finding, Severity, has_errors, warning, worst
from .core.http import HttpRequest, HttpResponse
from .core.idtoken import IdTokenExpectations, process_id_token
from .core.jose import Policy
from .core.picture import (
    build_picture_request,
    fetch_failed,
    not_fetched,
    picture_url,
    process_picture_response,
)
from .core.pkce import challenge_s256, make_verifier
from .core.profile import Profile
from .core.redirect import RedirectResult, parse_redirect
from .core.report import FlowResult, StepRecord
from .core.request_object import authorization_params_with_request_object, build_request_object
from .core.revocation import build_revocation_request, process_revocation_response
from .core.seal import key_for
from .core.signicat import check_broker_claims
from .core.token import build_token_request, process_token_response
from .core.trace import OPENED_IN_BROWSER, Exchange, Trace
from .core.userinfo import build_userinfo_request, process_userinfo_response
from .keyfiles import read_keys
from .net.browser import open_in_browser
from .net.jwks_cache import JwksCache
from .net.loopback import CaptureServer, LoopbackServer
from .net.recorder import RecordingClient
from .net.tasks import spawn

# ---------------------------------------------------------------------------------------------
# Events


@dataclass(frozen=True)
class StepChanged:
    step: StepRecord


@dataclass(frozen=True)
class FindingAdded:
    step: str
    finding: Finding


@dataclass(frozen=True)
class ExchangeAdded:
    exchange: Exchange


@dataclass(frozen=True)
class WaitingForBrowser:
    """The authorization URL is open; the engine waits for the redirect (or a pasted URL)."""

    url: str
    redirect_uri: str
    listening: tuple[str, ...]


FlowEvent = StepChanged | FindingAdded | ExchangeAdded | WaitingForBrowser
Listener = Callable[[FlowEvent], None]
#: Opens the authorization URL: the system browser, a user command, or a scripted user.
Opener = Callable[[str], Awaitable[Any]]
T = TypeVar("T")


class FlowStopped(Exception):
    """A step ended the flow; its findings say why (exit 1)."""


@dataclass
class Secrets:
    """What the client holds: its keys and its secret (resolved outside the profile)."""

    keys: jwk.JWKSet | None = None
    client_secret: str | None = None
    findings: list[Finding] = field(default_factory=list)


def load_secrets(profile: Profile, environ: dict[str, str] | None = None) -> Secrets:
    """Read the profile's key file and resolve its client secret; ConfigError when unusable."""
    env = os.environ if environ is None else environ
    out = Secrets()
    c = profile.client
    if c.keys:
        out.keys, out.findings = read_keys(Path(c.keys))
    out.client_secret = c.client_secret
    if not out.client_secret and c.client_secret_env:
        out.client_secret = env.get(c.client_secret_env)
        if not out.client_secret:
            raise ConfigError(
                f"the environment variable {c.client_secret_env} (client_secret_env) is not set"
            )
    if c.auth_method in ("client_secret_basic", "client_secret_post") and not out.client_secret:
        raise ConfigError(
            f"auth_method {c.auth_method} needs a client secret "
            "(client_secret or client_secret_env in [client])"
        )
    return out


# ---------------------------------------------------------------------------------------------
# The engine


class FlowEngine:
    """Runs one flow for ``profile``. Create one per run; call :meth:`run` once."""

    def __init__(
        self,
        profile: Profile,
        secrets: Secrets,
        *,
        client: httpx.AsyncClient | None = None,
        opener: Opener | None = None,
        open_with: str | None = None,
        listener: Listener | None = None,
        browser_timeout: float = 300.0,
    ) -> None:
        self.profile = profile
        self.secrets = secrets
        self.trace = Trace()
        self.result = self._new_result(profile)
        self._listener = listener
        self._opener = opener or (lambda url: open_in_browser(url, open_with))
        self._browser_timeout = browser_timeout
        self._http = RecordingClient(
            self.trace,
            client=client,
            timeout=profile.flow.timeout,
            verify=profile.flow.verify_tls,
        )
        self._pasted: asyncio.Future[str] | None = None
        self._jwks: JwksCache | None = None
        self.trace.subscribe(lambda ex: self._emit(ExchangeAdded(ex)))
        self._browser_process: Any = None

    def _new_result(self, profile: Profile) -> FlowResult:
        """The result with this engine's steps; ConfigError for a profile it cannot run."""
        return FlowResult(profile_name=profile.name)

    # -- events --------------------------------------------------------------------------

    def _emit(self, event: FlowEvent) -> None:
        if self._listener is not None:
            self._listener(event)

    def _add(self, step: str, findings: list[Finding] | tuple[Finding, ...]) -> None:
        for f in findings:
            self.result.add(step, f)
            self._emit(FindingAdded(step, f))

    def _set(self, step: str, status: str, message: str = "", started: float | None = None) -> None:
        rec = self.result.steps[step]
        rec.status = status
        if message:
            rec.message = message
        if started is not None:
            rec.duration_ms = (time.perf_counter() - started) * 1000
        self._emit(StepChanged(StepRecord(rec.name, rec.status, rec.duration_ms, rec.message)))

    def _finish(self, step: str, started: float, message: str = "") -> None:
        level = worst(self.result.step_findings(step))
        status = {Severity.ERROR: "error", Severity.WARNING: "warning"}.get(
            level if level is not None else Severity.INFO, "ok"
        )
        self._set(step, status, message, started)

    def paste_redirect(self, url: str) -> None:
        """Hand the engine the URL the browser ended on (paste mode, or instead of loopback)."""
        if self._pasted is not None and not self._pasted.done():
            self._pasted.set_result(url)

    @property
    def waiting_for_redirect(self) -> bool:
        return self._pasted is not None and not self._pasted.done()

    # -- the run ---------------------------------------------------------------------------

    async def run(self) -> FlowResult:
        current = "discovery"
        try:
            self._warn_if_tls_off("discovery")
            self._add("discovery", self.secrets.findings)
            metadata = await self._discovery()
            current = "authorization"
            params, verifier = await self._compose(metadata)
            current = "callback"
            redirect, params = await self._authorize_and_capture(metadata, params)
            if redirect.code is None:
                raise FlowStopped
            current = "token"
            tokens = await self._token(metadata, params, redirect.code, verifier)
            current = "id_token"
            sub = await self._id_token(metadata, params, tokens, redirect.code)
            current = "userinfo"
            if self._tokens_rejected():
                # OIDC Core 3.1.3.7: a rejected ID token (or token response) is not used, and
                # neither is its access token; revoking it below is still worth doing.
                self._set("userinfo", "skipped", "not called: the tokens were rejected")
            else:
                await self._userinfo(metadata, tokens, sub)
            current = "revocation"
            await self._revoke(metadata, tokens)
        except FlowStopped:
            self._skip_rest()
        except OAuthError as exc:
            self.result.error = exc
            self._add(
                current,
                [
                    oauth_errors.explain(
                        exc.endpoint or current, exc.error, exc.description, exc.status
                    )
                ],
            )
            self._fail(current)
        except DebuggerError as exc:
            self.result.error = exc
            self._fail(current, exc.message)
        except TimeoutError:
            self._browser_timed_out(current, "redirect", self.profile.client.redirect_uri)
        except asyncio.CancelledError:
            self._cancelled(current)
            raise
        finally:
            # The browser (or the user's --open-with command) is left alone: it is theirs.
            await self._http.aclose()
        return self.result

    def _browser_timed_out(self, step: str, what: str, where: str) -> None:
        self.result.error = ProviderError(
            f"no {what} reached {where} within {self._browser_timeout:g} s",
            code="flow.browser_timeout",
        )
        self._fail(step, self.result.error.message)

    def _cancelled(self, step: str) -> None:
        self.result.interrupted = True
        if self.result.steps[step].status == "running":
            self._set(step, "cancelled", "cancelled")
        self._skip_rest()

    def _tokens_rejected(self) -> bool:
        """True when the token response or the ID token itself has an error-level finding."""
        id_token = self.result.id_token
        return any(
            f.severity is Severity.ERROR
            for f in (
                *self.result.step_findings("token"),
                *(id_token.findings if id_token is not None else ()),
            )
        )

    def _warn_if_tls_off(self, step: str) -> None:
        if not self.profile.flow.verify_tls:
            self._add(
                step,
                [
                    warning(
                        "flow.tls_verification_off",
                        "TLS certificate verification is switched off for this profile: "
                        "the debugger cannot tell the real provider from an impostor.",
                        "RFC 6749 10.9",
                    )
                ],
            )

    def _fail(self, step: str, message: str = "") -> None:
        rec = self.result.steps[step]
        rec.status = "error"
        if message:
            rec.message = message
        self._emit(StepChanged(StepRecord(rec.name, rec.status, rec.duration_ms, rec.message)))
        self._skip_rest()

    def _skip_rest(self) -> None:
        for rec in self.result.steps.values():
            if rec.status in ("waiting", "running"):
                rec.status = "skipped"
                self._emit(StepChanged(StepRecord(rec.name, rec.status, None, rec.message)))

    # -- steps -----------------------------------------------------------------------------

    async def _send(self, request: HttpRequest, step: str) -> HttpResponse:
        return await self._http.send(request, step)

    async def _discovery(self) -> ProviderMetadata:
        prov = self.profile.provider
        started = time.perf_counter()
        self._set("discovery", "running")
        if prov.uses_discovery:
            self.result.discovery_url = discovery_url(prov.issuer)
            resp = await self._send(build_discovery_request(prov.issuer), "discovery")
            metadata, findings = process_discovery_response(resp, prov.issuer)
            self._add("discovery", findings)
            if prov.endpoints:
                metadata = _override(metadata, prov.endpoints)
        else:
            metadata = metadata_from_endpoints(
                prov.issuer or prov.endpoints["authorization_endpoint"],
                authorization_endpoint=prov.endpoints["authorization_endpoint"],
                token_endpoint=prov.endpoints["token_endpoint"],
                userinfo_endpoint=prov.endpoints.get("userinfo_endpoint"),
                jwks_uri=prov.endpoints.get("jwks_uri"),
                revocation_endpoint=prov.endpoints.get("revocation_endpoint"),
            )
        self.result.discovery = metadata
        if metadata.jwks_uri:
            self._jwks = JwksCache(self._http, metadata.jwks_uri)
        self._finish("discovery", started, metadata.issuer)
        unusable = discovery_stop_reason(metadata, self.result.step_findings("discovery"))
        if unusable:
            # OIDC Discovery 4.3: such a configuration MUST NOT be used; nothing is sent to it.
            self.result.steps["discovery"].message = unusable
            raise FlowStopped
        return metadata

    async def _provider_keys(self) -> jwk.JWKSet | None:
        if self._jwks is None:
            return None
        keys = await self._jwks.get()
        self._jwks_findings()
        return keys

    def _jwks_findings(self) -> None:
        """Report what fetching the provider's JWK Set (again) showed, once."""
        if self._jwks is not None:
            self._add("discovery", list(self._jwks.findings))
            self._jwks.findings.clear()

    async def _compose(self, metadata: ProviderMetadata) -> tuple[AuthorizationParams, str | None]:
        req = self.profile.request
        started = time.perf_counter()
        self._set("authorization", "running")
        verifier = make_verifier() if req.pkce else None
        params, problems = authorization_params(
            self.profile,
            state=new_state(),
            nonce=new_nonce(),
            code_challenge=challenge_s256(verifier) if verifier else None,
        )
        if problems:
            raise ConfigError(problems[0].message)
        self.result.params = params
        self._authorization_started = started
        return params, verifier

    async def _authorize_and_capture(
        self, metadata: ProviderMetadata, params: AuthorizationParams
    ) -> tuple[RedirectResult, AuthorizationParams]:
        flow = self.profile.flow
        loop = asyncio.get_running_loop()
        self._pasted = loop.create_future()
        loopback: LoopbackServer | None = None
        try:
            if flow.redirect == "loopback":
                loopback = LoopbackServer(
                    params.redirect_uri,
                    expected_state=params.state,
                    expected_iss=metadata.issuer,
                )
                await loopback.start()
                if loopback.redirect_uri != params.redirect_uri:
                    params = _replace_params(params, redirect_uri=loopback.redirect_uri)
            url_params = await self._maybe_request_object(metadata, params)
            self._add(
                "authorization",
                lint_authorization_request(
                    params,
                    variant=self.profile.provider.variant,
                    issuer=metadata.issuer,
                    discovery=metadata.raw,
                    request_object_mode=self.profile.request.request_object,
                ),
            )
            url = build_authorization_url(metadata.authorization_endpoint, url_params)
            self.result.params = params
            self.result.authorization_url = url
            self.trace.add(
                "authorization",
                HttpRequest.get(url),
                None,
                started=time.time(),
                kind="browser",
                note=OPENED_IN_BROWSER,
            )
            self._finish("authorization", self._authorization_started)

            started = time.perf_counter()
            self._set("callback", "running", "waiting for the browser")
            redirect, findings = await self._wait_for_browser(
                url,
                params.redirect_uri,
                loopback,
                tuple(loopback.bound) if loopback is not None else (),
                what="redirect",
                from_paste=lambda pasted: parse_redirect(
                    pasted,
                    expected_state=params.state,
                    expected_iss=metadata.issuer,
                    redirect_uri=params.redirect_uri,
                ),
            )
        finally:
            if loopback is not None:
                await loopback.close()
        self.result.redirect = redirect
        self._add("callback", findings)
        if redirect.error:
            # The authorization endpoint answered with an error: a provider answer (exit 3).
            self._finish("callback", started, f"error {redirect.error}")
            self.result.error = OAuthError(
                redirect.error, redirect.error_description or "", endpoint="authorization"
            )
            self._skip_rest()
            raise FlowStopped
        self._finish("callback", started)
        if any(f.severity is Severity.ERROR for f in findings):
            # A state mismatch (or worse): the code must never be redeemed.
            self.result.steps["callback"].message = "the code is not redeemed"
            raise FlowStopped
        return redirect, params

    async def _wait_for_browser(
        self,
        url: str,
        redirect_uri: str,
        server: CaptureServer[T] | None,
        listening: tuple[str, ...],
        *,
        what: str,
        from_paste: Callable[[str], T],
    ) -> T:
        """Send the browser to ``url``; wait for the ``what`` (redirect, callback) to come back.

        Whichever comes first within the browser timeout (TimeoutError after it): ``server``'s
        capture on loopback, or a URL handed to :meth:`paste_redirect` (read by
        ``from_paste``). Either goes into the trace as the callback step's browser exchange.
        """
        if self._pasted is None:
            self._pasted = asyncio.get_running_loop().create_future()
        self._emit(WaitingForBrowser(url, redirect_uri, listening))
        self._browser_process = await self._opener(url)
        waiters: set[asyncio.Future[Any]] = {self._pasted}
        capture: asyncio.Task[T] | None = None
        if server is not None:
            capture = spawn(server.wait(), name=f"{what}-wait")
            waiters.add(capture)
        try:
            done, _ = await asyncio.wait(
                waiters, timeout=self._browser_timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            if capture is not None and not capture.done():
                capture.cancel()
        if not done:
            raise TimeoutError
        if server is not None and capture in done:
            came = capture.result()
            captured = server.capture_exchange()
            if captured is not None:
                self.trace.add(
                    "callback",
                    *captured,
                    started=time.time(),
                    kind="browser",
                    note=f"{what} captured on loopback",
                )
            return came
        pasted = self._pasted.result()
        self.trace.add(
            "callback",
            HttpRequest.get(pasted),
            None,
            started=time.time(),
            kind="browser",
            note=f"{what} URL pasted",
        )
        return from_paste(pasted)

    async def _maybe_request_object(
        self, metadata: ProviderMetadata, params: AuthorizationParams
    ) -> AuthorizationParams:
        mode = self.profile.request.request_object
        if mode == "none":
            return params
        if self.secrets.keys is None:
            raise ConfigError(f"request_object = {mode!r} needs [client] keys with a signing key")
        signing = key_for(self.secrets.keys, "sig", private=True)
        encryption = None
        if mode == "signed+encrypted":
            provider_keys = await self._provider_keys()
            if provider_keys is None:
                raise ConfigError(
                    "request_object = 'signed+encrypted' needs the provider's jwks_uri "
                    "(its encryption key)"
                )
            encryption = key_for(provider_keys, "enc")
        token = build_request_object(
            params,
            client_id=self.profile.client.client_id,
            audience=metadata.issuer,
            signing_key=signing,
            encryption_key=encryption,
        )
        return authorization_params_with_request_object(params, token)

    def _client_auth(self, encrypt_to: jwk.JWK | None) -> ClientAuth:
        c = self.profile.client
        return make_client_auth(
            c.auth_method,
            c.client_id,
            secret=self.secrets.client_secret,
            keys=self.secrets.keys,
            encrypt_to=encrypt_to,
        )

    async def _assertion_encryption_key(self) -> jwk.JWK | None:
        if not self.profile.client.encrypt_assertion:
            return None
        keys = await self._provider_keys()
        return key_for(keys, "enc") if keys is not None else None

    async def _token(
        self,
        metadata: ProviderMetadata,
        params: AuthorizationParams,
        code: str,
        verifier: str | None,
    ) -> Any:
        started = time.perf_counter()
        self._set("token", "running")
        auth = self._client_auth(await self._assertion_encryption_key())
        request = build_token_request(
            metadata.token_endpoint,
            code=code,
            redirect_uri=params.redirect_uri,
            code_verifier=verifier,
            auth=auth,
        )
        resp = await self._send(request, "token")
        self.result.token_status = resp.status
        tokens, findings = process_token_response(resp)
        self.result.token = tokens
        self._add("token", findings)
        self._finish("token", started)
        if not tokens.access_token and not tokens.id_token:
            raise FlowStopped
        return tokens

    async def _id_token(
        self,
        metadata: ProviderMetadata,
        params: AuthorizationParams,
        tokens: Any,
        code: str | None = None,
    ) -> str | None:
        if not tokens.id_token:
            self._set("id_token", "skipped", "no ID token in the token response")
            return None
        started = time.perf_counter()
        self._set("id_token", "running")
        expectations = IdTokenExpectations(
            issuer=metadata.issuer,
            client_id=self.profile.client.client_id,
            nonce=params.nonce,
            max_age=params.max_age,
            access_token=tokens.access_token,
            code=code,  # c_hash is optional in the code flow; a wrong one is still an error
            acr_values=_acr_values(params.acr_values, self.profile.provider.variant),
            leeway=self.profile.flow.leeway,
        )
        policy = self._policy()
        provider_keys = await self._provider_keys()
        result = process_id_token(
            tokens.id_token,
            expectations,
            decryption_keys=self.secrets.keys,
            verification_keys=provider_keys,
            client_secret=self.secrets.client_secret,
            policy=policy,
        )
        kid = result.inspection.unknown_kid
        if kid and self._jwks is not None:
            # Key rotation: refetch the provider's JWKS once for this kid, then judge again.
            refreshed = await self._jwks.refetch_for_kid(kid)
            self._jwks_findings()  # rotated, or still not found: said now, not at UserInfo
            if refreshed is not None:
                result = process_id_token(
                    tokens.id_token,
                    expectations,
                    decryption_keys=self.secrets.keys,
                    verification_keys=refreshed,
                    client_secret=self.secrets.client_secret,
                    policy=policy,
                )
        self.result.id_token = result
        self._add("id_token", result.findings)
        if result.claims is not None:
            self._add(
                "id_token",
                check_returned_claims(
                    "id_token", result.claims, self.profile.request.claims, params.scope
                ),
            )
            if self.profile.provider.variant == "signicat":
                acr = tuple((params.acr_values or "").split())
                broker = check_broker_claims(result.claims, acr_values=acr)
                self._add("id_token", broker)
        self._finish("id_token", started)
        sub = result.claims.get("sub") if result.claims else None
        return sub if isinstance(sub, str) else None

    def _policy(self) -> Policy:
        variant = self.profile.provider.variant
        itsme = variant in ("itsme-v2", "itsme-secret")
        return Policy(
            require_encryption=itsme,
            require_kid=itsme,
            allow_hmac_with_secret=self.secrets.client_secret is not None,
        )

    async def _userinfo(self, metadata: ProviderMetadata, tokens: Any, sub: str | None) -> None:
        if not self.profile.flow.userinfo:
            self._set("userinfo", "skipped", "switched off in the profile")
            return
        if not metadata.userinfo_endpoint or not tokens.access_token:
            self._set("userinfo", "skipped", "no UserInfo endpoint or no access token")
            return
        started = time.perf_counter()
        self._set("userinfo", "running")
        resp = await self._send(
            build_userinfo_request(metadata.userinfo_endpoint, tokens.access_token), "userinfo"
        )
        result = process_userinfo_response(
            resp,
            expected_sub=sub,
            issuer=metadata.issuer,
            client_id=self.profile.client.client_id,
            decryption_keys=self.secrets.keys,
            verification_keys=await self._provider_keys(),
            client_secret=self.secrets.client_secret,
            policy=self._policy(),
        )
        self.result.userinfo = result
        self._add("userinfo", result.findings)
        if result.claims is not None:
            self._add(
                "userinfo",
                check_returned_claims(
                    "userinfo",
                    result.claims,
                    self.profile.request.claims,
                    self.profile.request.scope,
                ),
            )
        await self._picture(metadata, tokens.access_token)
        self._finish("userinfo", started)

    async def _picture(self, metadata: ProviderMetadata, access_token: str) -> None:
        """Fetch the ``picture`` claim's URL with the access token (itsme®: the ID picture),
        from accepted UserInfo or ID token claims; its exchange is the trace's ``picture``,
        its findings the UserInfo step's. It never stops the flow."""
        userinfo, id_token = self.result.userinfo, self.result.id_token
        url = picture_url(
            userinfo.claims if userinfo is not None and not has_errors(userinfo.findings) else None,
            id_token.claims if id_token is not None else None,
        )
        if url is None or not self.profile.flow.picture:
            return
        request, refused = build_picture_request(
            url, access_token, (metadata.userinfo_endpoint, metadata.issuer)
        )
        if request is None:
            picture = not_fetched(url, refused)
        else:
            try:
                picture = process_picture_response(url, await self._send(request, "picture"))
            except ProviderError as exc:
                picture = fetch_failed(url, exc.message)
        self.result.picture = picture
        self._add("userinfo", picture.findings)

    async def _revoke(self, metadata: ProviderMetadata, tokens: Any) -> None:
        if not self.profile.flow.revoke:
            self._set("revocation", "skipped", "switched off in the profile")
            return
        if not metadata.revocation_endpoint or not tokens.access_token:
            self._set("revocation", "skipped", "the provider has no revocation endpoint")
            return
        started = time.perf_counter()
        self._set("revocation", "running")
        request = build_revocation_request(
            metadata.revocation_endpoint,
            tokens.access_token,
            self._client_auth(await self._assertion_encryption_key()),
        )
        resp = await self._send(request, "revocation")
        self.result.revocation_status = resp.status
        self._add("revocation", process_revocation_response(resp))
        self._finish("revocation", started)


def _override(metadata: ProviderMetadata, endpoints: Mapping[str, str]) -> ProviderMetadata:
    """Endpoints written in the profile win over discovered ones."""
    e = endpoints
    return replace(
        metadata,
        authorization_endpoint=e.get("authorization_endpoint", metadata.authorization_endpoint),
        token_endpoint=e.get("token_endpoint", metadata.token_endpoint),
        userinfo_endpoint=e.get("userinfo_endpoint", metadata.userinfo_endpoint),
        jwks_uri=e.get("jwks_uri", metadata.jwks_uri),
        revocation_endpoint=e.get("revocation_endpoint", metadata.revocation_endpoint),
    )


def _acr_values(acr_values: str | None, variant: str) -> tuple[str, ...]:
    """The requested ACRs; Signicat's ``idp:NAME`` values choose the eID, they are no ACR."""
    values = (acr_values or "").split()
    if variant == "signicat":
        return tuple(v for v in values if not v.startswith("idp:"))
    return tuple(values)


def _replace_params(params: AuthorizationParams, **changes: Any) -> AuthorizationParams:
    return replace(params, **changes)
