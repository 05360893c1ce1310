"""The flow engine in-process against the mock: what the CLI and the GUI both rely on."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest

from itsme_debugger.core.report import STEPS
from itsme_debugger.demo import demo_profile, demo_secrets
from itsme_debugger.flow import (
    ExchangeAdded,
    FindingAdded,
    FlowEngine,
    StepChanged,
    WaitingForBrowser,
)
from itsme_debugger.mockop.provider import MockProvider
from itsme_debugger.net.autobrowser import follow_redirects
from tests.flowrun import cancel_while_waiting, free_port, stay_put


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 60))


@pytest.mark.parametrize("variant", ["itsme-v2", "itsme-secret"])
def test_demo_flow_completes_with_every_step_ok(variant: str) -> None:
    async def main() -> None:
        async with MockProvider(variant, auto_approve=True) as mock:
            events: list[Any] = []
            engine = FlowEngine(
                demo_profile(mock),
                demo_secrets(mock),
                opener=follow_redirects,
                listener=events.append,
            )
            result = await engine.run()
            assert result.exit_code == 0, [f.id for f in result.all_findings]
            statuses = {name: rec.status for name, rec in result.steps.items()}
            for step in ("discovery", "authorization", "callback", "token", "id_token", "userinfo"):
                assert statuses[step] in ("ok", "warning"), statuses
            assert statuses["revocation"] == ("ok" if variant == "itsme-secret" else "skipped")
            assert result.id_token is not None and result.id_token.inspection.encrypted
            assert result.userinfo is not None and result.userinfo.claims
            # the events tell the same story, in order
            running = [e.step.name for e in events if isinstance(e, StepChanged)]
            assert [s for s in STEPS if s in running] == [s for s in dict.fromkeys(running)]
            assert any(isinstance(e, WaitingForBrowser) for e in events)
            exchanges = [e.exchange for e in events if isinstance(e, ExchangeAdded)]
            assert len(exchanges) == len(engine.trace) >= 5
            assert [x.step for x in exchanges][:1] == ["discovery"]
            assert any(x.kind == "browser" and x.step == "callback" for x in exchanges)
            assert len([e for e in events if isinstance(e, FindingAdded)]) == len(result.findings)

    run(main())


def test_key_rotation_is_followed_with_one_refetch() -> None:
    async def main() -> None:
        async with MockProvider("itsme-v2", auto_approve=True) as mock:

            async def opener(url: str) -> None:
                # The engine fetched the JWKS for the request object; now the provider rotates.
                mock.rotate_signing_key()
                await follow_redirects(url)

            engine = FlowEngine(demo_profile(mock), demo_secrets(mock), opener=opener)
            result = await engine.run()
            assert result.exit_code == 0, [f.id for f in result.all_findings]
            refreshes = [x for x in engine.trace if x.step == "jwks-refresh"]
            assert len(refreshes) == 1
            assert "jwks.key_rotated" in [f.id for f in result.all_findings]

    run(main())


def test_unknown_kid_is_refetched_once_then_rejected() -> None:
    async def main() -> None:
        async with MockProvider("itsme-v2", auto_approve=True, faults=["unknown_kid"]) as mock:
            engine = FlowEngine(demo_profile(mock), demo_secrets(mock), opener=follow_redirects)
            result = await engine.run()
            assert result.exit_code == 1
            assert "id_token.unknown_kid" in [f.id for f in result.all_findings]
            assert len([x for x in engine.trace if x.step == "jwks-refresh"]) == 1

    run(main())


def test_cancel_while_waiting_frees_the_port() -> None:
    async def main() -> None:
        async with MockProvider("itsme-v2", auto_approve=True) as mock:
            port = free_port()
            profile = demo_profile(mock)
            profile = replace(
                profile,
                client=replace(profile.client, redirect_uri=f"http://127.0.0.1:{port}/callback"),
            )
            waiting = asyncio.Event()

            def listener(event: Any) -> None:
                if isinstance(event, WaitingForBrowser):
                    waiting.set()

            engine = FlowEngine(profile, demo_secrets(mock), opener=stay_put, listener=listener)
            task = asyncio.ensure_future(engine.run())  # noqa: TID251 - test owns the task
            await asyncio.wait_for(waiting.wait(), 10)
            await cancel_while_waiting(task, engine, port, "token")

    run(main())


def test_paste_mode_checks_the_pasted_url_like_a_capture() -> None:
    async def main() -> None:
        async with MockProvider("itsme-v2", auto_approve=True) as mock:
            profile = demo_profile(mock)
            profile = replace(profile, flow=replace(profile.flow, redirect="paste"))
            engine: FlowEngine

            async def user_pastes(url: str) -> None:
                import httpx

                async with httpx.AsyncClient(trust_env=False) as c:
                    resp = await c.get(url)
                location = resp.headers["location"]
                assert "code=" in location
                engine.paste_redirect(location)

            engine = FlowEngine(profile, demo_secrets(mock), opener=user_pastes)
            result = await engine.run()
            assert result.exit_code == 0, [f.id for f in result.all_findings]
            assert any(x.note == "redirect URL pasted" for x in engine.trace)

    run(main())


def test_pasted_url_with_another_state_is_refused() -> None:
    async def main() -> None:
        async with MockProvider("itsme-v2", auto_approve=True) as mock:
            profile = demo_profile(mock)
            profile = replace(profile, flow=replace(profile.flow, redirect="paste"))
            before = mock.codes_redeemed
            engine: FlowEngine

            async def user_pastes(url: str) -> None:
                engine.paste_redirect(
                    "http://127.0.0.1:1/callback?code=abc&state=forged&iss=" + mock.issuer
                )

            engine = FlowEngine(profile, demo_secrets(mock), opener=user_pastes)
            result = await engine.run()
            assert result.exit_code == 1
            assert "redirect.state_mismatch" in [f.id for f in result.all_findings]
            assert mock.codes_redeemed == before

    run(main())


def test_a_rejected_id_token_is_not_used_for_userinfo_but_revoked() -> None:
    """OIDC Core 3.1.3.7: the access token of a rejected ID token is not used; it is revoked."""

    async def main() -> None:
        async with MockProvider("itsme-secret", auto_approve=True, faults=["wrong_nonce"]) as mock:
            engine = FlowEngine(demo_profile(mock), demo_secrets(mock), opener=follow_redirects)
            result = await engine.run()
            assert result.exit_code == 1
            assert result.steps["id_token"].status == "error"
            assert result.steps["userinfo"].status == "skipped"
            assert "rejected" in result.steps["userinfo"].message
            assert result.userinfo is None
            assert not [x for x in engine.trace if x.step == "userinfo"]
            assert result.steps["revocation"].status == "ok"

    run(main())


def test_a_refetch_for_an_unknown_kid_is_reported_when_userinfo_is_skipped() -> None:
    async def main() -> None:
        async with MockProvider("itsme-v2", auto_approve=True, faults=["unknown_kid"]) as mock:
            engine = FlowEngine(demo_profile(mock), demo_secrets(mock), opener=follow_redirects)
            result = await engine.run()
            assert result.steps["userinfo"].status == "skipped"
            assert "jwks.kid_not_found" in [f.id for f in result.all_findings]

    run(main())


def test_a_discovery_document_for_another_issuer_is_not_used() -> None:
    """OIDC Discovery 4.3: the flow stops before the browser is opened."""

    async def main() -> None:
        async with MockProvider("itsme-v2", auto_approve=True) as mock:
            profile = demo_profile(mock)
            profile = replace(profile, provider=replace(profile.provider, issuer=mock.issuer + "/"))
            opened: list[str] = []

            async def browser(url: str) -> None:
                opened.append(url)

            engine = FlowEngine(profile, demo_secrets(mock), opener=browser)
            result = await engine.run()
            assert result.exit_code == 1
            assert "discovery.issuer_mismatch" in [f.id for f in result.all_findings]
            assert opened == []
            assert result.steps["discovery"].status == "error"
            assert {result.steps[s].status for s in ("authorization", "token")} == {"skipped"}
            assert mock.codes_redeemed == 0

    run(main())


# -- the picture claim: fetched with the access token, from the provider only ----------------


def _demo_run(**options: Any) -> Any:
    faults = options.pop("faults", ())

    async def main() -> Any:
        async with MockProvider("itsme-secret", auto_approve=True, faults=faults) as mock:
            profile = demo_profile(mock)
            if options:
                profile = replace(profile, flow=replace(profile.flow, **options))
            engine = FlowEngine(profile, demo_secrets(mock), opener=follow_redirects)
            await engine.run()
            return engine

    return run(main())


def test_the_picture_is_fetched_with_the_access_token_before_it_is_revoked() -> None:
    import json

    from itsme_debugger.core.report import build_report

    engine = _demo_run()
    result = engine.result
    steps = [ex.step for ex in engine.trace]
    assert steps.index("userinfo") < steps.index("picture") < steps.index("revocation")
    picture_ex = next(ex for ex in engine.trace if ex.step == "picture")
    token_ex = next(ex for ex in engine.trace if ex.step == "token")
    access_token = json.loads(token_ex.response.body)["access_token"]
    assert picture_ex.request.header("authorization") == f"Bearer {access_token}"
    assert picture_ex.request.url == result.userinfo.claims["picture"]
    assert result.picture is not None and result.picture.image_type == "image/jpeg"
    assert not [f for step, f in result.findings if f.id.startswith("picture.")]
    assert result.exit_code == 0
    entry = build_report(result)["picture"]
    assert entry["image_type"] == "image/jpeg" and entry["bytes"] == len(result.picture.data)
    assert "data" not in entry and "value" not in entry  # never the image in a report


def test_a_picture_at_another_origin_is_not_fetched() -> None:
    engine = _demo_run(faults={"picture_elsewhere"})
    assert [ex for ex in engine.trace if ex.step == "picture"] == []
    assert all("pictures.example.net" not in ex.request.url for ex in engine.trace)
    found = [(step, f.id) for step, f in engine.result.findings if f.id.startswith("picture.")]
    assert found == [("userinfo", "picture.other_origin")]
    assert engine.result.steps["userinfo"].status == "warning"
    assert engine.result.exit_code == 0


def test_a_page_in_place_of_the_picture_is_an_error_of_the_userinfo_step() -> None:
    engine = _demo_run(faults={"picture_not_image"})
    found = [(step, f.id) for step, f in engine.result.findings if f.id.startswith("picture.")]
    assert found == [("userinfo", "picture.not_an_image")]
    assert engine.result.steps["userinfo"].status == "error"
    assert engine.result.steps["revocation"].status == "ok"  # the flow went on
    assert engine.result.exit_code == 1


def test_the_picture_is_not_fetched_when_the_profile_says_so() -> None:
    engine = _demo_run(picture=False)
    assert [ex for ex in engine.trace if ex.step == "picture"] == []
    assert engine.result.picture is None
