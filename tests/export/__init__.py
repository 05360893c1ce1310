"""Shared by the export tests: real flows against the in-process mock, and leak detection.

:func:`demo_run` runs the Demo flow (the engine, the mock with auto-approve, the scripted
browser) once per variant and keeps it; :func:`known_secrets` collects every secret and
personal value that flow handled; :func:`leaks` looks for them in an export, in every encoding
an export may use.
"""

from __future__ import annotations

import asyncio
import base64
import html
import json
from dataclasses import dataclass, replace
from functools import cache
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

from itsme_debugger.core.profile import Profile
from itsme_debugger.core.report import FlowResult
from itsme_debugger.core.trace import Exchange
from itsme_debugger.demo import demo_profile, demo_secrets
from itsme_debugger.flow import FlowEngine, Secrets
from itsme_debugger.mockop.provider import MockProvider
from itsme_debugger.net.autobrowser import follow_redirects

ITSME = "http://itsme.services/v2/claim/"


@dataclass(frozen=True)
class DemoRun:
    trace: tuple[Exchange, ...]
    result: FlowResult
    profile: Profile
    secrets: Secrets


@cache
def demo_run(variant: str = "itsme-v2", auth_method: str | None = None) -> DemoRun:
    """The Demo flow against the mock ``variant`` (``auth_method`` overrides the profile's)."""

    async def main() -> DemoRun:
        async with MockProvider(variant, auto_approve=True) as mock:
            profile = demo_profile(mock)
            if auth_method is not None:
                profile = replace(profile, client=replace(profile.client, auth_method=auth_method))
            secrets = demo_secrets(mock)
            engine = FlowEngine(profile, secrets, opener=follow_redirects)
            result = await engine.run()
            assert result.exit_code == 0, [f.id for f in result.all_findings]
            return DemoRun(tuple(engine.trace), result, profile, secrets)

    return asyncio.run(asyncio.wait_for(main(), 60))


def _fields(ex: Exchange) -> dict[str, str]:
    fields = dict(parse_qsl(urlsplit(ex.request.url).query))
    if ex.request.method == "POST":
        fields.update(parse_qsl(ex.request.body.decode()))
    return fields


def known_secrets(run: DemoRun) -> dict[str, str]:
    """Every secret and personal value of ``run``, by a name for messages."""
    r = run.result
    assert r.redirect is not None and r.token is not None
    assert r.id_token is not None and r.id_token.claims is not None
    assert r.userinfo is not None and r.userinfo.claims is not None
    token_fields = _fields(next(ex for ex in run.trace if ex.step == "token"))
    ui = r.userinfo.claims
    found = {
        "code": r.redirect.code,
        "code_verifier": token_fields["code_verifier"],
        "access_token": r.token.access_token,
        "id_token": r.token.id_token,
        "national number": r.id_token.claims[ITSME + "BENationalNumber"],
        "given name": r.id_token.claims["given_name"],
        "family name": r.id_token.claims["family_name"],
        "birthdate": r.id_token.claims["birthdate"],
        "document number": ui[ITSME + "IDDocumentSN"],
        "photo": ui[ITSME + "physical_person_photo"]["value"],
        "full name": ui["name"],
    }
    if run.secrets.client_secret:
        found["client secret"] = run.secrets.client_secret
    if "client_assertion" in token_fields:
        found["client assertion"] = token_fields["client_assertion"]
    request_object = _fields(next(ex for ex in run.trace if ex.step == "authorization")).get(
        "request"
    )
    if request_object:
        found["request object"] = request_object
    if run.secrets.keys is not None:
        for i, key in enumerate(run.secrets.keys["keys"]):
            found[f"private key {i} d"] = key.export_private(as_dict=True)["d"]
    # A token's header may show; every other segment of it must not.
    for name in ("id_token", "client assertion", "request object"):
        if name in found:
            for i, segment in enumerate(found[name].split(".")[1:], 1):
                if len(segment) >= 16:
                    found[f"{name} segment {i}"] = segment
    return {k: v for k, v in found.items() if v}


def _b64_cores(value: bytes) -> set[str]:
    """The parts of the base64 / base64url text of ``value`` that do not depend on what
    surrounds it, at each of the three alignments (as inside a Basic header or a JWT)."""
    cores = set()
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + value).decode().rstrip("=")
        start = -(-shift * 4 // 3)  # the first character made of value's bits only
        end = (shift + len(value)) * 4 // 3  # past the last one
        core = encoded[start:end]
        if len(core) >= 6:
            cores |= {core, core.replace("+", "-").replace("/", "_")}
    return cores


def encodings(value: str) -> set[str]:
    """``value`` as an export may write it: plain, URL-encoded, JSON- and HTML-escaped, base64."""
    forms = {
        value,
        quote(value),
        quote(value, safe=""),
        quote_plus(value),
        quote_plus(value, safe=""),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        html.escape(value, quote=False),
    }
    return forms | _b64_cores(value.encode("utf-8"))


def leaks(text: str, secrets: dict[str, str]) -> list[str]:
    """Which of ``secrets`` appear in ``text``, and in which form."""
    return [
        f"{name} as {form[:30]!r}"
        for name, value in secrets.items()
        for form in encodings(value)
        if form in text
    ]
