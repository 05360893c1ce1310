"""The Signicat REST API engine in-process against the mock: what the CLI and the GUI rely on."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import httpx
import pytest

from itsme_debugger.core.errors import ConfigError
from itsme_debugger.core.report import REST_STEPS, build_report
from itsme_debugger.demo import demo_profile, demo_rest_profile, demo_rest_secrets, demo_secrets
from itsme_debugger.flow import ExchangeAdded, FindingAdded, StepChanged, WaitingForBrowser
from itsme_debugger.mockop.provider import MockProvider
from itsme_debugger.mockop.signicat import SignicatMockProvider
from itsme_debugger.net.autobrowser import follow_redirects
from itsme_debugger.signicat_flow import SignicatRestEngine

from .flowrun import cancel_while_waiting, stay_put
from .mockop.helpers import DEMO_KEYS, MOCK_KEYS, Clock


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 60))


def signicat(**options: Any) -> SignicatMockProvider:
    options.setdefault("auto_approve", True)
    mock = MockProvider("signicat", keys=MOCK_KEYS, demo_client_keys=DEMO_KEYS, **options)
    assert isinstance(mock, SignicatMockProvider)
    return mock


def ids(result: Any) -> list[str]:
    return [f.id for f in result.all_findings]


async def location_of(url: str) -> str:
    async with httpx.AsyncClient(trust_env=False) as c:
        resp = await c.get(url)
    assert resp.status_code == 302, resp.text
    return resp.headers["location"]


def test_rest_flow_completes_with_the_seeds_subject() -> None:
    async def main() -> None:
        async with signicat() as mock:
            events: list[Any] = []
            engine = SignicatRestEngine(
                demo_rest_profile(mock),
                demo_rest_secrets(mock),
                opener=follow_redirects,
                listener=events.append,
            )
            result = await engine.run()
            assert result.exit_code == 0, ids(result)
            assert list(result.steps) == list(REST_STEPS)
            assert {r.status for r in result.steps.values()} == {"ok"}
            assert result.session is not None and result.session.status == "SUCCESS"
            assert result.session.subject is not None
            assert result.session.subject.name == "Maxence Legrand"
            assert result.callback is not None and result.callback.outcome == "success"
            assert result.callback.session_id == result.session.id
            running = [e.step.name for e in events if isinstance(e, StepChanged)]
            assert list(dict.fromkeys(running)) == list(REST_STEPS)
            waiting = [e for e in events if isinstance(e, WaitingForBrowser)]
            assert len(waiting) == 1 and "/broker/sp/external-service/login" in waiting[0].url
            exchanges = [e.exchange for e in events if isinstance(e, ExchangeAdded)]
            assert len(exchanges) == len(engine.trace)
            assert [x.step for x in exchanges if x.kind == "http"] == [
                "api_token",
                "create_session",
                "session_status",
            ]
            assert [x.note for x in exchanges if x.kind == "browser"] == [
                "opened in the browser",
                "callback captured on loopback",
            ]
            assert len([e for e in events if isinstance(e, FindingAdded)]) == len(result.findings)
            report = build_report(result)
            assert report["session"]["status"] == "SUCCESS"
            assert "81042419835" not in str(report)
            assert mock.api_client.secret not in str(report)

    run(main())


@pytest.mark.parametrize(
    ("outcome", "finding"),
    [("abort", "signicat.session_aborted"), ("error", "signicat.session_error")],
)
def test_abort_and_error_are_provider_refusals(outcome: str, finding: str) -> None:
    async def main() -> None:
        async with signicat() as mock:
            mock.rest_outcome = outcome
            engine = SignicatRestEngine(
                demo_rest_profile(mock), demo_rest_secrets(mock), opener=follow_redirects
            )
            result = await engine.run()
            assert result.exit_code == 3
            assert finding in ids(result)
            assert result.error is not None and result.error.code == finding
            assert result.callback is not None and result.callback.outcome == outcome
            assert result.steps["session_status"].status == "error"
            assert result.session is not None and result.session.subject is None

    run(main())


def test_expired_session_is_reported() -> None:
    clock = Clock()

    async def main() -> None:
        async with signicat(clock=clock) as mock:
            profile = demo_rest_profile(mock)
            assert profile.rest is not None
            profile = replace(profile, rest=replace(profile.rest, session_lifetime=60))

            async def slow_user(url: str) -> None:
                clock.now += 61  # the user comes back after the session's lifetime
                await follow_redirects(url)

            engine = SignicatRestEngine(profile, demo_rest_secrets(mock), opener=slow_user)
            result = await engine.run()
            assert result.exit_code == 3
            assert "signicat.session_expired" in ids(result)
            assert result.callback is not None and result.callback.outcome == "error"
            assert result.session is not None and result.session.status == "EXPIRED"

    run(main())


def test_wrong_api_secret_stops_at_the_api_token() -> None:
    async def main() -> None:
        async with signicat() as mock:
            engine = SignicatRestEngine(
                demo_rest_profile(mock),
                replace(demo_rest_secrets(mock), client_secret="wrong"),
                opener=follow_redirects,
            )
            result = await engine.run()
            assert result.exit_code == 3
            assert "token.error.invalid_client" in ids(result)
            assert result.steps["api_token"].status == "error"
            assert result.steps["create_session"].status == "skipped"

    run(main())


def test_api_error_answer_exits_3_with_its_finding() -> None:
    async def main() -> None:
        async with signicat() as mock:
            profile = demo_rest_profile(mock)
            profile = replace(
                profile, provider=replace(profile.provider, api_base=mock.base_url + "/nope")
            )
            engine = SignicatRestEngine(profile, demo_rest_secrets(mock), opener=follow_redirects)
            result = await engine.run()
            assert result.exit_code == 3
            assert "signicat.api_error" in ids(result)
            assert result.steps["create_session"].status == "error"
            assert result.steps["callback"].status == "skipped"

    run(main())


def _paste_mode(mock: SignicatMockProvider) -> Any:
    profile = demo_rest_profile(mock)
    return replace(profile, flow=replace(profile.flow, redirect="paste"))


def test_paste_mode_reads_the_pasted_callback() -> None:
    async def main() -> None:
        async with signicat() as mock:
            engine: SignicatRestEngine

            async def user_pastes(url: str) -> None:
                assert engine.waiting_for_redirect
                engine.paste_redirect(await location_of(url))

            engine = SignicatRestEngine(
                _paste_mode(mock), demo_rest_secrets(mock), opener=user_pastes
            )
            result = await engine.run()
            assert result.exit_code == 0, ids(result)
            assert any(x.note == "callback URL pasted" for x in engine.trace)

    run(main())


def test_callback_for_another_session_is_an_error() -> None:
    async def main() -> None:
        async with signicat() as mock:
            engine: SignicatRestEngine

            async def user_pastes(url: str) -> None:
                location = await location_of(url)
                engine.paste_redirect(location.split("sessionId=")[0] + "sessionId=forged")

            engine = SignicatRestEngine(
                _paste_mode(mock), demo_rest_secrets(mock), opener=user_pastes
            )
            result = await engine.run()
            assert result.exit_code == 1
            assert "signicat.callback_session_id_mismatch" in ids(result)
            assert result.steps["callback"].status == "error"

    run(main())


def test_no_callback_within_the_timeout_exits_3() -> None:
    async def main() -> None:
        async with signicat() as mock:
            engine = SignicatRestEngine(
                demo_rest_profile(mock),
                demo_rest_secrets(mock),
                opener=stay_put,
                browser_timeout=0.2,
            )
            result = await engine.run()
            assert result.exit_code == 3
            assert result.error is not None and result.error.code == "flow.browser_timeout"
            assert result.steps["callback"].status == "error"
            assert result.steps["session_status"].status == "skipped"

    run(main())


def test_cancel_while_waiting_frees_the_port() -> None:
    async def main() -> None:
        async with signicat() as mock:
            waiting: asyncio.Future[WaitingForBrowser] = asyncio.get_running_loop().create_future()

            def listener(event: Any) -> None:
                if isinstance(event, WaitingForBrowser) and not waiting.done():
                    waiting.set_result(event)

            engine = SignicatRestEngine(
                demo_rest_profile(mock), demo_rest_secrets(mock), opener=stay_put, listener=listener
            )
            task = asyncio.ensure_future(engine.run())  # noqa: TID251 - test owns the task
            event = await asyncio.wait_for(waiting, 10)
            port = int(event.redirect_uri.split(":")[2].split("/")[0])
            await cancel_while_waiting(task, engine, port, "session_status")

    run(main())


def test_an_oidc_profile_is_not_for_this_engine() -> None:
    mock = signicat()
    with pytest.raises(ConfigError, match="signicat-rest"):
        SignicatRestEngine(demo_profile(mock), demo_secrets(mock))


def test_rest_demo_needs_the_signicat_mock() -> None:
    mock = MockProvider("itsme-secret", keys=MOCK_KEYS)
    with pytest.raises(ConfigError, match="signicat"):
        demo_rest_profile(mock)


# -- the broker over OIDC, through the OIDC engine ---------------------------------------------


def test_broker_oidc_demo_with_encrypted_tokens_and_broker_findings() -> None:
    from itsme_debugger.flow import FlowEngine

    async def main() -> None:
        async with signicat() as mock:
            engine = FlowEngine(demo_profile(mock), demo_secrets(mock), opener=follow_redirects)
            result = await engine.run()
            assert result.exit_code == 0, ids(result)
            assert result.id_token is not None and result.id_token.inspection.encrypted
            assert result.id_token.claims is not None
            assert result.id_token.claims["idp"] == "itsme"
            assert result.userinfo is not None and result.userinfo.format == "jwt"
            assert result.revocation_status == 200
            # idp:itsme chooses the eID: it is no ACR, so no acr is missing
            assert ids(result) == ["signicat.sandbox"]

    run(main())
