"""THE redaction test: real flows against the mock; no secret or personal value in any export.

Each flow's known secrets (client secret, code, verifier, access and ID tokens, client
assertion, request object, the private key's ``d``, the national number, names, birth date,
document number, the photo) are looked for in every redacted export, in every encoding an
export may use (plain, URL-encoded, JSON-escaped, HTML-escaped, base64 and base64url at any
alignment). The unmasked exports must contain them, or the test would prove nothing.
"""

from __future__ import annotations

import json

import pytest

from itsme_debugger.export import make_har, make_json, make_markdown, to_curl

from . import DemoRun, demo_run, known_secrets, leaks

FLOWS = [
    pytest.param(("itsme-v2", None), id="private_key_jwt+request_object"),
    pytest.param(("itsme-secret", None), id="client_secret_post"),
    pytest.param(("itsme-secret", "client_secret_basic"), id="client_secret_basic"),
]


def _exports(run: DemoRun, *, reveal: bool) -> dict[str, str]:
    args = (run.trace, run.result, run.profile)
    return {
        "HAR": json.dumps(make_har(*args, reveal=reveal), ensure_ascii=False),
        "HAR (ASCII)": json.dumps(make_har(*args, reveal=reveal)),
        "JSON": json.dumps(make_json(*args, reveal=reveal), ensure_ascii=False),
        "JSON (ASCII)": json.dumps(make_json(*args, reveal=reveal)),
        "Markdown": make_markdown(*args, reveal=reveal),
        "curl": "\n".join(to_curl(ex.request, reveal=reveal) for ex in run.trace),
    }


@pytest.mark.parametrize("flow", FLOWS)
def test_no_secret_or_personal_value_in_any_redacted_export(flow: tuple[str, str | None]) -> None:
    run = demo_run(*flow)
    secrets = known_secrets(run)
    for fmt, text in _exports(run, reveal=False).items():
        assert leaks(text, secrets) == [], fmt


@pytest.mark.parametrize("flow", FLOWS)
def test_unmasked_exports_hold_the_secrets(flow: tuple[str, str | None]) -> None:
    run = demo_run(*flow)
    secrets = known_secrets(run)
    exports = _exports(run, reveal=True)
    for name in ("code", "access_token", "id_token", "code_verifier"):
        assert secrets[name] in exports["HAR"], name
        assert secrets[name] in exports["JSON"], name
    for name in ("given name", "national number", "photo"):
        assert secrets[name] in exports["JSON"], name
    auth = "client assertion" if "client assertion" in secrets else "client secret"
    if flow[1] != "client_secret_basic":
        assert secrets[auth] in exports["curl"]


def test_the_basic_header_keeps_its_scheme_and_hides_the_credentials() -> None:
    run = demo_run("itsme-secret", "client_secret_basic")
    token = next(ex for ex in run.trace if ex.step == "token")
    entry = next(
        e for e in make_har(run.trace, run.result)["log"]["entries"] if e["_step"] == "token"
    )
    shown = {h["name"]: h["value"] for h in entry["request"]["headers"]}["Authorization"]
    sent = token.request.header("Authorization")
    assert sent is not None and shown != sent
    assert shown == f"Basic «redacted, {len(sent) - len('Basic ')} chars»"


def test_a_masked_jwt_shows_its_header_and_shape_only() -> None:
    run = demo_run("itsme-v2")
    id_token = known_secrets(run)["id_token"]
    body = json.loads(
        next(e for e in make_har(run.trace, run.result)["log"]["entries"] if e["_step"] == "token")[
            "response"
        ]["content"]["text"]
    )
    header = id_token.split(".")[0]
    assert body["id_token"] == f"{header}: «redacted JWE, 5 parts, {len(id_token)} chars»"
    assert body["token_type"] == "Bearer"
