"""Markdown export: a readable incident report, safe to render."""

from __future__ import annotations

import re

from itsme_debugger.core.http import HttpRequest, HttpResponse
from itsme_debugger.core.trace import Trace
from itsme_debugger.export import make_markdown

from . import demo_run


def _sections(text: str) -> list[str]:
    return re.findall(r"^## (.+)$", text, re.MULTILINE)


def test_the_report_has_every_section_in_order() -> None:
    run = demo_run("itsme-v2")
    text = make_markdown(run.trace, run.result, run.profile)
    assert text.startswith("# itsme-debugger report: Demo (mock itsme®)\n")
    assert _sections(text) == ["Profile", "Steps", "Exchanges", "ID token", "UserInfo", "Findings"]
    assert "**Result: exit 0**" in text
    assert "are **redacted**" in text


def test_each_exchange_is_numbered_as_in_the_timeline() -> None:
    run = demo_run("itsme-v2")
    text = make_markdown(run.trace, run.result, run.profile)
    headings = re.findall(r"^### (\d+)\. ", text, re.MULTILINE)
    assert headings == [str(i + 1) for i in range(len(run.trace))]
    assert re.search(r"^### 5\. Token: POST http://127\.0\.0\.1:\d+/v2/token → 200 OK", text, re.M)


def test_the_profile_shows_settings_never_secrets() -> None:
    run = demo_run("itsme-secret")
    text = make_markdown(run.trace, run.result, run.profile, reveal=True)
    profile = text.split("## Profile")[1].split("## Steps")[0]
    assert f"| Client ID | {run.profile.client.client_id} |" in profile
    assert "| Client authentication | client_secret_post |" in profile
    assert "| Scope | openid service:TEST_code profile eid |" in profile
    assert "| Parameter ui_locales | en |" in profile
    assert run.secrets.client_secret and run.secrets.client_secret not in profile


def test_decoded_tokens_and_findings_with_references() -> None:
    run = demo_run("itsme-v2")
    text = make_markdown(run.trace, run.result, run.profile)
    id_token = text.split("## ID token")[1].split("## UserInfo")[0]
    assert "| JWE | " in id_token and "| JWS | " in id_token
    assert "| given_name | «redacted, 6 chars» |" in id_token
    userinfo = text.split("## UserInfo")[1]
    assert "«redacted image/jpeg, 3026 bytes»" in userinfo
    findings = text.split("## Findings")[1]
    assert (
        "- **WARNING** `request.redirect_uri_not_https` (Authorize): " in findings
        and "*Reference: itsme v2: Authorization Request, redirect_uri.*" in findings
    )


def test_provider_text_cannot_inject_markup_or_close_a_code_block() -> None:
    trace = Trace()
    hostile = '{"error": "x", "error_description": "```\\n<img src=x onerror=alert(1)>"}'
    trace.add(
        "token<script>",
        HttpRequest.get("https://idp.example/t?a=<b>|c"),
        HttpResponse(400, (("Content-Type", "application/json"),), hostile.encode()),
        started=1.0,
    )
    text = make_markdown(trace)
    assert "<script>" not in text and "<b>" not in text.replace("```", "")
    assert "token&lt;script&gt;" in text
    assert "| a | &lt;b&gt;\\|c |" in text
    # The body's ``` is inside a longer fence, so the block is not closed early.
    assert "````json\n" in text


def test_long_bodies_are_shortened_with_a_pointer_to_the_full_exports() -> None:
    trace = Trace()
    trace.add(
        "discovery",
        HttpRequest.get("https://idp.example/.well-known/openid-configuration"),
        HttpResponse(200, (("Content-Type", "text/plain"),), b"x" * 10_000),
        started=1.0,
    )
    text = make_markdown(trace)
    assert "x" * 4000 in text and "x" * 4001 not in text
    assert "(6000 more characters: the HAR or JSON export has all)" in text


def test_an_unredacted_report_says_so() -> None:
    run = demo_run("itsme-v2")
    text = make_markdown(run.trace, run.result, run.profile, reveal=True)
    assert "**Not redacted: this report contains secrets and personal data.**" in text
