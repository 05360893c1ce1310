"""An imported trace, made ready for the window's panes: a :class:`FlowResult` rebuilt offline.

:func:`open_offline` reads a HAR or JSON export (:func:`~itsme_debugger.export.load_trace`)
and rebuilds what the panes show: the steps and findings as the export recorded them, the
discovery document and the authorization response from their exchanges, and the ID token and
UserInfo decoded again, layer by layer, with the keys given (the current profile's) and the
provider keys the trace fetched (:func:`~itsme_debugger.export.provider_keys`), checked at the
moment the flow received them. A token the file masked, or one these keys cannot decrypt,
is shown as the export recorded it (its layers, checks and claims, masked if the file is).

No Qt here: the window calls :func:`open_offline` on a worker thread.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from jwcrypto import jwk

from itsme_debugger.core.discovery import ProviderMetadata, process_discovery_response
from itsme_debugger.core.errors import DebuggerError
from itsme_debugger.core.idtoken import IdTokenExpectations, IdTokenResult, process_id_token
from itsme_debugger.core.jose import Inspection, KeyUse, Layer, Policy
from itsme_debugger.core.picture import (
    PictureResult,
    fetch_failed,
    process_picture_response,
)
from itsme_debugger.core.redirect import parse_redirect
from itsme_debugger.core.report import STEP_LABELS, STEPS, FlowResult, StepRecord
from itsme_debugger.core.signicat import (
    parse_callback,
    process_session_response,
    process_session_status,
)
from itsme_debugger.core.trace import Exchange, Trace
from itsme_debugger.core.userinfo import UserInfoResult, process_userinfo_response
from itsme_debugger.export import LoadedTrace, load_trace, provider_keys, token_in_exchange

#: What the export writes in place of a masked value.
_MASKED = "«redacted"


@dataclass(frozen=True)
class OfflineTrace:
    """An imported trace: the file, its exchanges, the rebuilt result, remarks for the user."""

    loaded: LoadedTrace
    trace: Trace
    result: FlowResult
    notes: tuple[str, ...]

    @property
    def name(self) -> str:
        return Path(self.loaded.source).name

    def describe(self) -> str:
        """One line: which file, offline, whether it is masked."""
        masked = {True: ", secrets masked", False: ", unmasked", None: ""}[self.loaded.redacted]
        n = len(self.loaded.exchanges)
        return (
            f"{self.name} ({self.loaded.format}, offline{masked}, "
            f"{n} exchange{'s' if n != 1 else ''})"
        )


def open_offline(
    path: str | Path, keys: jwk.JWKSet | None = None, client_secret: str | None = None
) -> OfflineTrace:
    """Read the trace at ``path`` and rebuild its result; ConfigError when it is no trace."""
    loaded = load_trace(path)
    return rebuild(loaded, keys, client_secret)


def rebuild(
    loaded: LoadedTrace, keys: jwk.JWKSet | None = None, client_secret: str | None = None
) -> OfflineTrace:
    """The result the panes show for ``loaded`` (see the module docstring)."""
    report = loaded.report
    result = FlowResult.with_steps(str(report.get("profile") or ""), _step_names(loaded))
    for rec in _step_records(loaded):
        result.steps[rec.name] = rec
    result.findings = list(loaded.findings)
    notes: list[str] = []
    ex = _first(loaded, "discovery")
    if ex is not None and ex.response is not None:
        result.discovery_url = ex.request.url
        result.discovery = _discovery(ex, _member(report, "discovery", "issuer"))
    auth = _first(loaded, "authorization")
    params = _params(report, auth)
    if auth is not None:
        result.authorization_url = auth.request.url
    callback = _first(loaded, "callback")
    if callback is not None and "create_session" not in result.steps:
        redirect, _ = parse_redirect(callback.request.url, expected_state=None)
        result.redirect = redirect
    issuer = result.discovery.issuer if result.discovery else _member(report, "discovery", "issuer")
    client_id = params.get("client_id", "")
    verification = provider_keys(loaded)
    policy = Policy(allow_hmac_with_secret=client_secret is not None)
    token_ex = _first(loaded, "token")
    sub: str | None = None
    if token_ex is not None and token_ex.response is not None:
        result.token_status = token_ex.response.status
        result.id_token = _id_token(
            token_ex,
            IdTokenExpectations(
                issuer=issuer or "",
                client_id=client_id,
                nonce=params.get("nonce"),
                access_token=_plain(_json_body(token_ex).get("access_token")),
                now=token_ex.started + token_ex.elapsed_ms / 1000,
            ),
            keys,
            verification,
            client_secret,
            policy,
        )
        fallback = _recorded_id_token(loaded)
        if result.id_token is None or (result.id_token.claims is None and fallback is not None):
            if result.id_token is not None:
                whose = "this profile's keys" if keys is not None else "no keys of this profile"
                notes.append(
                    f"The ID token could not be decrypted with {whose}: "
                    "it is shown as the export recorded it."
                )
            result.id_token = fallback
        if result.id_token is not None and result.id_token.claims is not None:
            found = result.id_token.claims.get("sub")
            sub = found if isinstance(found, str) and _MASKED not in found else None
    ui_ex = _first(loaded, "userinfo")
    if ui_ex is not None and ui_ex.response is not None:
        userinfo = None
        if _MASKED not in ui_ex.response.body.decode("utf-8", "replace"):
            try:
                userinfo = process_userinfo_response(
                    ui_ex.response,
                    expected_sub=sub,
                    issuer=issuer or "",
                    client_id=client_id,
                    decryption_keys=keys,
                    verification_keys=verification,
                    client_secret=client_secret,
                    policy=policy,
                )
            except DebuggerError:
                userinfo = None
        fallback_ui = _recorded_userinfo(loaded)
        if userinfo is None or (userinfo.claims is None and fallback_ui is not None):
            userinfo = fallback_ui
        result.userinfo = userinfo
    result.picture = _picture(loaded)
    _signicat_session(loaded, result)
    if loaded.redacted:
        notes.insert(
            0,
            "Secrets and personal data are masked in this file: tokens and claims are shown "
            "as the export recorded them.",
        )
    return OfflineTrace(loaded, loaded.trace(), result, tuple(notes))


# -- steps ------------------------------------------------------------------------------------


def _step_names(loaded: LoadedTrace) -> tuple[str, ...]:
    steps = loaded.report.get("steps")
    if isinstance(steps, list):
        names = tuple(
            s["name"] for s in steps if isinstance(s, dict) and s.get("name") in STEP_LABELS
        )
        if names:
            return names
    return STEPS


def _step_records(loaded: LoadedTrace) -> list[StepRecord]:
    """The steps as recorded; without a report, a step with exchanges is ok (or failed)."""
    steps = loaded.report.get("steps")
    if isinstance(steps, list) and steps:
        out = []
        for s in steps:
            if not isinstance(s, dict) or s.get("name") not in STEP_LABELS:
                continue
            duration = s.get("duration_ms")
            out.append(
                StepRecord(
                    str(s["name"]),
                    str(s.get("status") or "waiting"),
                    float(duration) if isinstance(duration, int | float) else None,
                    str(s.get("message") or ""),
                )
            )
        return out
    records: dict[str, StepRecord] = {}
    for ex in loaded.exchanges:
        if ex.step in STEPS:
            bad = bool(ex.error) or (ex.response is not None and ex.response.status >= 400)
            if records.get(ex.step, StepRecord(ex.step)).status != "error":
                records[ex.step] = StepRecord(ex.step, "error" if bad else "ok", ex.elapsed_ms)
    return list(records.values())


# -- reading exchanges --------------------------------------------------------------------------


def _picture(loaded: LoadedTrace) -> PictureResult | None:
    """The picture the flow fetched: its image when the export holds it, else where it was."""
    ex = _first(loaded, "picture")
    if ex is None:
        return None
    url = ex.request.url
    if ex.response is None:
        return fetch_failed(url, ex.error or "no answer was recorded")
    body = ex.response.body
    if _MASKED.encode() in body[:64]:  # a masked export: the image is personal data
        return PictureResult(url, ex.response.status, ex.response.content_type, None, ())
    return process_picture_response(url, ex.response)


def _first(loaded: LoadedTrace, step: str) -> Exchange | None:
    return next((ex for ex in loaded.exchanges if ex.step == step), None)


def _member(doc: Mapping[str, Any], *path: str) -> str | None:
    value: Any = doc
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value if isinstance(value, str) else None


def _plain(value: Any) -> str | None:
    """``value`` when it is a string the export did not mask."""
    return value if isinstance(value, str) and value and _MASKED not in value else None


def _json_body(ex: Exchange) -> dict[str, Any]:
    if ex.response is None:
        return {}
    try:
        doc = json.loads(ex.response.body)
    except (ValueError, RecursionError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _discovery(ex: Exchange, issuer: str | None) -> ProviderMetadata | None:
    assert ex.response is not None
    try:
        metadata, _ = process_discovery_response(ex.response, issuer or "")
    except DebuggerError:
        return None
    return metadata


def _params(report: Mapping[str, Any], auth: Exchange | None) -> dict[str, str]:
    """The authorization request's parameters the report and the URL show (unmasked only)."""
    out: dict[str, str] = {}
    if auth is not None:
        try:
            out.update(parse_qsl(urlsplit(auth.request.url).query))
        except ValueError:
            pass
    recorded = report.get("authorization")
    params = recorded.get("params") if isinstance(recorded, Mapping) else None
    if isinstance(params, Mapping):
        out.update({k: v for k, v in params.items() if isinstance(v, str)})
    return {k: v for k, v in out.items() if _plain(v) is not None and "…" not in v}


def _signicat_session(loaded: LoadedTrace, result: FlowResult) -> None:
    """A Signicat REST API flow: the session as created, the callback, the last status."""
    create = _first(loaded, "create_session")
    if create is None or create.response is None:
        return
    try:
        session, _ = process_session_response(create.response)
    except DebuggerError:
        return
    result.session = session
    came = [ex for ex in loaded.exchanges if ex.is_returned_redirect]
    if came and session.callback_urls is not None:
        result.callback, _ = parse_callback(came[-1].request.url, session.callback_urls, session.id)
    status = [ex for ex in loaded.exchanges if ex.step == "session_status" and ex.response]
    if status and status[-1].response is not None:
        try:
            result.session, _ = process_session_status(
                status[-1].response, expected_id=session.id, callback=result.callback
            )
        except DebuggerError:
            pass


# -- tokens -----------------------------------------------------------------------------------


def _id_token(
    ex: Exchange,
    exp: IdTokenExpectations,
    keys: jwk.JWKSet | None,
    verification: jwk.JWKSet | None,
    client_secret: str | None,
    policy: Policy,
) -> IdTokenResult | None:
    """The ID token of the token response decoded again; None when the file masked it."""
    try:
        _, token = token_in_exchange(ex, "id_token")
    except DebuggerError:
        return None
    return process_id_token(
        token,
        exp,
        decryption_keys=keys,
        verification_keys=verification,
        client_secret=client_secret,
        policy=policy,
    )


def _recorded_inspection(entry: Mapping[str, Any], claims: dict[str, Any] | None) -> Inspection:
    layers = []
    for item in entry.get("layers") or []:
        if not isinstance(item, Mapping):
            continue
        key = item.get("key")
        use = None
        if isinstance(key, Mapping):
            use = KeyUse(
                key.get("kid") if isinstance(key.get("kid"), str) else None,
                str(key.get("kty") or ""),
                None,
                None,
                str(key.get("reason") or ""),
            )
        header = item.get("header")
        layers.append(
            Layer(
                str(item.get("kind") or ""),
                dict(header) if isinstance(header, Mapping) else {},
                use,
                bool(item.get("ok")),
                str(item.get("note") or ""),
            )
        )
    return Inspection("(as recorded in the export)", tuple(layers), claims, ())


def _recorded_claims(entry: Mapping[str, Any]) -> dict[str, Any] | None:
    claims = entry.get("claims")
    return dict(claims) if isinstance(claims, Mapping) else None


def _recorded_id_token(loaded: LoadedTrace) -> IdTokenResult | None:
    entry = loaded.report.get("id_token")
    if not isinstance(entry, Mapping):
        return None
    claims = _recorded_claims(entry)
    recorded = entry.get("checks")
    checks = (
        tuple((str(k), v if isinstance(v, bool) else None) for k, v in recorded.items())
        if isinstance(recorded, Mapping)
        else ()
    )
    findings = tuple(f for step, f in loaded.findings if step == "id_token")
    return IdTokenResult(_recorded_inspection(entry, claims), claims, findings, checks)


def _recorded_userinfo(loaded: LoadedTrace) -> UserInfoResult | None:
    entry = loaded.report.get("userinfo")
    if not isinstance(entry, Mapping):
        return None
    claims = _recorded_claims(entry)
    fmt = "jwt" if entry.get("format") == "jwt" else "json"
    insp = _recorded_inspection(entry, claims) if fmt == "jwt" else None
    findings = tuple(f for step, f in loaded.findings if step == "userinfo")
    return UserInfoResult(fmt, claims, insp, findings)
