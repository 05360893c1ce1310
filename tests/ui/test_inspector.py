"""The inspector panes: tokens layer by layer, the checklist, metadata, photo, HTTP masking."""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from jwcrypto import jwk
from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import QWidget

from itsme_debugger._resources import resource
from itsme_debugger.core import seal
from itsme_debugger.core.discovery import metadata_from_endpoints
from itsme_debugger.core.findings import warning
from itsme_debugger.core.http import HttpRequest, HttpResponse
from itsme_debugger.core.idtoken import (
    IdTokenExpectations,
    IdTokenResult,
    half_hash,
    process_id_token,
)
from itsme_debugger.core.keys import generate_client_keys
from itsme_debugger.core.metadata import compute_metadata
from itsme_debugger.core.redirect import parse_redirect
from itsme_debugger.core.trace import Trace
from itsme_debugger.core.userinfo import process_userinfo_response
from itsme_debugger.ui.inspector import (
    DiscoveryView,
    HttpExchangeView,
    MetadataView,
    PhotoView,
    RedirectView,
    TokenView,
)
from itsme_debugger.ui.widgets import FindingsTable, JsonTreeView, relative_time

pytestmark = pytest.mark.gui

ISSUER = "https://idp.e2e.itsme.services/v2"
CLIENT_ID = "my-client"
NONCE = "n-0S6_WzA2Mj-very-random"
ACCESS_TOKEN = "SlAV32hkKG-access-token-abcdefghijklmnop"
ITSME = "http://itsme.services/v2/claim/"
PHOTO = ITSME + "physical_person_photo"
SECRET = "s3cr3t-client-secret-value"


@cache
def mock_user() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resource("mock_user.json").read_text(encoding="utf-8"))
    return data


@cache
def keys() -> tuple[jwk.JWKSet, jwk.JWKSet]:
    """(the client's keys, the provider's keys), generated once per test session."""
    return generate_client_keys(), generate_client_keys()


ITSME_NN = "http://itsme.services/v2/claim/BENationalNumber"


def user_claims() -> dict[str, Any]:
    user = mock_user()
    attrs = user["claims"]
    released = [
        "given_name",
        "family_name",
        "birthdate",
        ITSME + "BENationalNumber",
        ITSME + "BEeidSn",
        ITSME + "IDDocumentSN",
        PHOTO,
        "address",
        "email_verified",
    ]
    claims = {name: attrs[name] for name in released}
    metas = [ITSME + m for m in ("verificationDate", "validityFrom", "validityTo")]
    metas += [ITSME + "IDIssuingCountry", ITSME + "issuance_locality"]
    claims.update(compute_metadata(metas, released, user["metadata"]))
    return claims


def id_token_claims(now: float) -> dict[str, Any]:
    return {
        "iss": ISSUER,
        "sub": mock_user()["sub"],
        "aud": CLIENT_ID,
        "iat": int(now) - 10,
        "exp": int(now) + 240,
        "nonce": NONCE,
        "at_hash": half_hash(ACCESS_TOKEN, "RS256"),
        **user_claims(),
    }


def nested_id_token(now: float) -> str:
    client, provider = keys()
    return seal.sign_then_encrypt(
        id_token_claims(now),
        seal.key_for(provider, "sig", private=True),
        seal.key_for(client, "enc"),
    )


def processed_id_token(nonce: str = NONCE) -> IdTokenResult:
    client, provider = keys()
    public = jwk.JWKSet.from_json(provider.export(private_keys=False))
    now = time.time()
    return process_id_token(
        nested_id_token(now),
        IdTokenExpectations(ISSUER, CLIENT_ID, nonce=nonce, access_token=ACCESS_TOKEN, now=now),
        decryption_keys=client,
        verification_keys=public,
    )


def token_exchange(trace: Trace | None = None) -> Any:
    trace = trace if trace is not None else Trace()
    request = HttpRequest.form(
        ISSUER + "/token",
        {
            "grant_type": "authorization_code",
            "code": "abcdefghijklmnopqrstuvwxyz0123456789",
            "redirect_uri": "http://127.0.0.1:8765/callback",
            "client_id": CLIENT_ID,
            "client_secret": SECRET,
        },
        secret_fields=frozenset({"client_secret"}),
    )
    body = json.dumps(
        {"access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 300}
    ).encode()
    response = HttpResponse(
        200, (("Content-Type", "application/json"),), body, ISSUER + "/token", 41.5
    )
    return trace.add("token", request, response, started=time.time(), elapsed_ms=41.5)


# ---------------------------------------------------------------------------------------------
# TokenView


def test_token_view_shows_layers_of_a_nested_jwe_id_token(qtbot: Any) -> None:
    view = TokenView()
    qtbot.addWidget(view)
    result = processed_id_token()
    view.show_id_token(result)
    layers = view.layer_texts()
    assert layers[0].startswith("JWE: <b>RSA-OAEP / A256CBC-HS512</b>")
    enc_kid = seal.key_for(keys()[0], "enc").get("kid")
    assert f"decrypted with kid {enc_kid}" in layers[0]
    sig_kid = seal.key_for(keys()[1], "sig").get("kid")
    assert layers[1].startswith(f"JWS: <b>RS256, kid {sig_kid}</b>")
    assert f"verified with kid {sig_kid}" in layers[1]
    assert layers[2] == "JSON: the claims, a JSON object"
    assert "decrypted, signature verified" in view.summary.text()


def test_token_view_claims_table_has_catalogue_labels(qtbot: Any) -> None:
    view = TokenView()
    qtbot.addWidget(view)
    view.show_id_token(processed_id_token())
    model = view.claims_model
    rows = {model.row(i).name: model.row(i) for i in range(model.rowCount())}
    assert rows["given_name"].label == "Given name"
    assert rows["iss"].label == "Issuer"
    assert rows[ITSME + "BENationalNumber"].label == "National number"
    assert rows["exp"].readable.endswith("(in 3 min)") or rows["exp"].readable.endswith(
        "(in 4 min)"
    )
    assert rows["email_verified"].readable == "no"
    assert rows["address"].readable == "Jekerstraat 39 3700 TONGEREN"


@pytest.mark.parametrize(
    ("offset", "words"),
    [(240, "in 4 min"), (-3 * 3600 - 5, "3 h ago"), (2, "now"), (-90000, "1 d ago")],
)
def test_relative_time_in_words(offset: float, words: str) -> None:
    assert relative_time(1_700_000_000 + offset, now=1_700_000_000) == words


def test_token_view_masks_sensitive_claims_until_revealed(qtbot: Any) -> None:
    view = TokenView()
    qtbot.addWidget(view)
    view.show_id_token(processed_id_token())
    model = view.claims_model
    names = [model.row(i).name for i in range(model.rowCount())]
    row = names.index(ITSME + "BENationalNumber")
    assert "99060427181" not in model.row(row).raw
    assert "99060427181" not in view.raw.toPlainText()
    view.reveal.setChecked(True)
    assert model.row(row).raw == "99060427181"
    assert "99060427181" in view.raw.toPlainText()


def test_token_view_checklist_words_each_check(qtbot: Any) -> None:
    view = TokenView()
    qtbot.addWidget(view)
    view.show_id_token(processed_id_token())
    model = view.checks_model
    checks = {model.row(i).name: model.row(i) for i in range(model.rowCount())}
    assert checks["decryption"].mark == "ok"
    assert checks["nonce"].mark == "ok"
    assert checks["at_hash"].mark == "ok"
    assert checks["c_hash"].mark == "na"
    nonce_row = list(checks).index("nonce")
    assert model.index(nonce_row, 0).data() == "✓ passed"


def test_token_view_checklist_shows_a_failed_nonce_with_its_reason(qtbot: Any) -> None:
    view = TokenView()
    qtbot.addWidget(view)
    view.show_id_token(processed_id_token(nonce="another-nonce-that-was-sent"))
    model = view.checks_model
    checks = {model.row(i).name: model.row(i) for i in range(model.rowCount())}
    assert checks["nonce"].mark == "error"
    assert "another-nonce-that-was-sent" in checks["nonce"].detail
    row = list(checks).index("nonce")
    assert model.index(row, 0).data() == "✗ failed"
    assert view.summary.mark() == "error"


def test_token_view_lays_out_the_metadata_matrix(qtbot: Any) -> None:
    view = TokenView()
    qtbot.addWidget(view)
    view.show_id_token(processed_id_token())
    model = view.metadata.metadata_model
    assert model.cell(ITSME + "BEeidSn", ITSME + "validityTo") == "2028-11-10T00:00:00Z"
    assert model.cell(ITSME + "BEeidSn", ITSME + "issuance_locality") == "BRUXELLES"
    assert model.cell("given_name", ITSME + "verificationDate") == "2023-04-12T15:02:23Z"
    assert model.cell("given_name", ITSME + "validityTo") is None
    rows = [model.headerData(r, Qt.Orientation.Vertical) for r in range(model.rowCount())]
    assert "Given name" in rows and "Belgian eID card number" in rows
    given = rows.index("Given name")
    validity_to = model.columnCount() - 3
    assert model.index(given, validity_to).data() == "—"


def test_token_view_renders_the_photo_of_the_seed_user(qtbot: Any) -> None:
    view = TokenView()
    qtbot.addWidget(view)
    view.show_id_token(processed_id_token())
    assert not view.photo.image.isNull()
    assert (view.photo.image.width(), view.photo.image.height()) > (0, 0)
    assert view.photo.message() == ""


def test_token_view_without_a_token_says_so(qtbot: Any) -> None:
    view = TokenView()
    qtbot.addWidget(view)
    view.show_id_token(None)
    assert "No token yet" in view.title.text()
    assert view.claims_model.rowCount() == 0


def test_token_view_undecryptable_token_shows_findings_not_a_traceback(qtbot: Any) -> None:
    view = TokenView()
    qtbot.addWidget(view)
    _, provider = keys()
    result = process_id_token(
        nested_id_token(time.time()),
        IdTokenExpectations(ISSUER, CLIENT_ID, nonce=NONCE),
        decryption_keys=provider,  # the wrong keys
    )
    view.show_id_token(result)
    assert view.summary.mark() == "error"
    assert "could not be read" in view.summary.text()
    assert len(view.findings.findings()) >= 1


def test_token_view_shows_userinfo_as_plain_json(qtbot: Any) -> None:
    view = TokenView()
    qtbot.addWidget(view)
    body = json.dumps({"sub": mock_user()["sub"], "given_name": "George"}).encode()
    result = process_userinfo_response(
        HttpResponse(200, (("Content-Type", "application/json"),), body),
        expected_sub=mock_user()["sub"],
        issuer=ISSUER,
        client_id=CLIENT_ID,
    )
    view.show_userinfo(result)
    assert "UserInfo (plain JSON)" in view.title.text()
    assert view.layer_texts() == []
    assert view.checks_model.rowCount() == 0
    assert view.claims_model.rowCount() == 2


# ---------------------------------------------------------------------------------------------
# PhotoView and MetadataView


def test_photo_view_renders_the_seed_photo(qtbot: Any) -> None:
    view = PhotoView()
    qtbot.addWidget(view)
    view.show_claim(mock_user()["claims"][PHOTO])
    assert not view.image.isNull()
    assert view.message() == ""


def test_photo_view_show_bytes_renders_image_bytes(qtbot: Any) -> None:
    view = PhotoView()
    qtbot.addWidget(view)
    data = base64.b64decode(mock_user()["claims"][PHOTO]["value"])
    view.show_bytes(data, "image/jpeg")
    assert not view.image.isNull()


def test_photo_view_bad_base64_is_a_message(qtbot: Any) -> None:
    view = PhotoView()
    qtbot.addWidget(view)
    view.show_claim({"format": "image/jpeg", "value": "not base64 !!!"})
    assert view.image.isNull()
    assert "not valid base64" in view.message()


def test_photo_view_bytes_that_are_no_image_are_a_message(qtbot: Any) -> None:
    view = PhotoView()
    qtbot.addWidget(view)
    view.show_bytes(b"GIF89a but not really", "image/gif")
    assert view.image.isNull()
    assert "not an image" in view.message()


def test_photo_view_value_that_is_not_an_object_is_a_message(qtbot: Any) -> None:
    view = PhotoView()
    qtbot.addWidget(view)
    view.show_claim("https://example.org/photo.jpg")
    assert "expected an object" in view.message()


def test_metadata_view_without_metadata_is_empty(qtbot: Any) -> None:
    view = MetadataView()
    qtbot.addWidget(view)
    assert view.show_claims({"given_name": "George"}) is False
    assert view.metadata_model.rowCount() == 0


# ---------------------------------------------------------------------------------------------
# HttpExchangeView


def test_http_view_masks_the_client_secret_and_reveals_it_on_toggle(qtbot: Any) -> None:
    view = HttpExchangeView()
    qtbot.addWidget(view)
    view.show_exchange(token_exchange())
    fields = dict((r.key, r.value) for r in view.request_body.table.kv_model.rows())
    assert fields["client_secret"] != SECRET
    assert fields["client_secret"].startswith("s3cr3t…")
    assert SECRET not in view.raw.toPlainText()
    assert view.reveal.isChecked() is False
    view.reveal.setChecked(True)
    fields = dict((r.key, r.value) for r in view.request_body.table.kv_model.rows())
    assert fields["client_secret"] == SECRET
    assert SECRET in view.raw.toPlainText()


def test_http_view_masks_the_code_and_tokens_in_bodies(qtbot: Any) -> None:
    view = HttpExchangeView()
    qtbot.addWidget(view)
    view.show_exchange(token_exchange())
    fields = dict((r.key, r.value) for r in view.request_body.table.kv_model.rows())
    assert "abcdefghijklmnopqrstuvwxyz0123456789" not in fields["code"]
    assert fields["grant_type"] == "authorization_code"
    body = view.response_body.text.toPlainText()
    assert ACCESS_TOKEN not in body
    assert f'"access_token": "SlAV32… ({len(ACCESS_TOKEN)} chars)"' in body
    assert '"token_type": "Bearer"' in body
    assert view.response_line.text() == "HTTP/1.1 200 OK"
    assert "took 42 ms" in view.timing.text()


def test_http_view_masks_a_jwt_body_until_revealed(qtbot: Any) -> None:
    view = HttpExchangeView()
    qtbot.addWidget(view)
    token = nested_id_token(time.time())
    request = HttpRequest.get(ISSUER + "/userinfo")
    response = HttpResponse(200, (("Content-Type", "application/jwt"),), token.encode())
    view.show_exchange(Trace().add("userinfo", request, response))
    assert token not in view.response_body.text.toPlainText()
    assert view.response_body.text.toPlainText().startswith(token[:20] + "…")
    view.reveal.setChecked(True)
    assert view.response_body.text.toPlainText() == token


@pytest.mark.parametrize(
    ("step", "doc"),
    [
        ("userinfo", {"sub": "s-1", ITSME_NN: "85073003328"}),
        (
            "session_status",
            {"id": "s-1", "status": "SUCCESS", "subject": {"nin": {"value": "85073003328"}}},
        ),
    ],
)
def test_http_view_masks_national_numbers_in_json_bodies(
    qtbot: Any, step: str, doc: dict[str, Any]
) -> None:
    view = HttpExchangeView()
    qtbot.addWidget(view)
    response = HttpResponse(200, (("Content-Type", "application/json"),), json.dumps(doc).encode())
    view.show_exchange(Trace().add(step, HttpRequest.get(ISSUER + "/x"), response))
    assert "85073003328" not in view.response_body.text.toPlainText()
    assert "85…" in view.response_body.text.toPlainText()
    assert "85073003328" not in view.raw.toPlainText()
    view.reveal.setChecked(True)
    assert "85073003328" in view.response_body.text.toPlainText()


def test_http_view_binary_body_is_described_not_decoded(qtbot: Any) -> None:
    view = HttpExchangeView()
    qtbot.addWidget(view)
    response = HttpResponse(200, (("Content-Type", "image/jpeg"),), b"\xff\xd8\xff\xe0 binary")
    view.show_exchange(Trace().add("picture", HttpRequest.get(ISSUER + "/picture"), response))
    assert view.response_body.text.toPlainText() == "11 bytes of binary data (image/jpeg)"


def test_http_view_masks_a_bearer_authorization_header(qtbot: Any) -> None:
    view = HttpExchangeView()
    qtbot.addWidget(view)
    trace = Trace()
    request = HttpRequest(
        "GET", ISSUER + "/userinfo", (("Authorization", f"Bearer {ACCESS_TOKEN}"),)
    )
    ex = trace.add("userinfo", request, None, error="connection refused")
    view.show_exchange(ex)
    headers = dict((r.key, r.value) for r in view.request_headers.kv_model.rows())
    assert headers["Authorization"].startswith("Bearer SlAV32…")
    assert "connection refused" in view.problem.text()
    assert "(no response: connection refused)" in view.raw.toPlainText()


def test_http_view_masks_the_code_in_a_callback_url(qtbot: Any) -> None:
    view = HttpExchangeView()
    qtbot.addWidget(view)
    code = "abcdefghijklmnopqrstuvwxyz0123456789"
    url = f"http://127.0.0.1:8765/callback?code={code}&state=xyz"
    ex = Trace().add("callback", HttpRequest.get(url), None, kind="browser")
    view.show_exchange(ex)
    assert view.request_line.text() == (
        "GET http://127.0.0.1:8765/callback?code=abcdef… (36 chars)&state=xyz"
    )
    query = dict((r.key, r.value) for r in view.query.kv_model.rows())
    assert query["state"] == "xyz"
    assert code not in query["code"]


# ---------------------------------------------------------------------------------------------
# DiscoveryView and RedirectView


def test_discovery_view_shows_the_document_as_a_tree_with_findings(qtbot: Any) -> None:
    view = DiscoveryView()
    qtbot.addWidget(view)
    metadata = metadata_from_endpoints(
        ISSUER, authorization_endpoint=ISSUER + "/authorization", token_endpoint=ISSUER + "/token"
    )
    finding = warning("discovery.example", "an example finding", "OpenID Connect Discovery 1.0")
    view.show_metadata(metadata, [finding])
    model = view.tree.json_model
    keys_shown = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert keys_shown == ["issuer", "authorization_endpoint", "token_endpoint"]
    assert [f.id for f in view.findings.findings()] == ["discovery.example"]
    view.tree.setCurrentIndex(model.index(1, 0))
    assert view.tree.copy_value() == ISSUER + "/authorization"
    assert view.tree.copy_path() == "authorization_endpoint"


def test_redirect_view_masks_the_code_and_explains_a_state_mismatch(qtbot: Any) -> None:
    view = RedirectView()
    qtbot.addWidget(view)
    code = "abcdefghijklmnopqrstuvwxyz0123456789"
    result, findings = parse_redirect(
        f"http://127.0.0.1:8765/callback?code={code}&state=forged",
        expected_state="the-state-sent",
    )
    view.show_redirect(result, findings)
    assert code not in view.url.text()
    assert view.outcome.mark() == "error"
    assert "not redeemed" in view.outcome.text()
    assert len(view.findings.findings()) >= 1


def test_redirect_view_shows_a_provider_error(qtbot: Any) -> None:
    view = RedirectView()
    qtbot.addWidget(view)
    result, findings = parse_redirect(
        "http://127.0.0.1:8765/callback?error=access_denied&error_description=user+cancelled",
        expected_state=None,
    )
    view.show_redirect(result, findings)
    assert view.outcome.mark() == "error"
    assert "access_denied: user cancelled" in view.outcome.text()


# ---------------------------------------------------------------------------------------------
# Every model passes the model tester


def _token_view() -> TokenView:
    view = TokenView()
    view.show_id_token(processed_id_token())
    return view


def _findings_table() -> FindingsTable:
    view = FindingsTable()
    view.set_findings(processed_id_token(nonce="another-nonce-that-was-sent").findings)
    return view


def _http_view() -> HttpExchangeView:
    view = HttpExchangeView()
    view.show_exchange(token_exchange())
    return view


def _discovery_view() -> DiscoveryView:
    view = DiscoveryView()
    view.show_metadata(
        metadata_from_endpoints(ISSUER, authorization_endpoint="a", token_endpoint="t"),
        [warning("x.y", "m")],
    )
    return view


def _json_tree() -> JsonTreeView:
    view = JsonTreeView()
    view.set_document({"a": [1, {"b": None}], "c": {}, "d": "text"})
    return view


MODELS: dict[str, tuple[Callable[[], QWidget], Callable[[Any], QAbstractItemModel]]] = {
    "token claims": (_token_view, lambda v: v.claims_model),
    "token checks": (_token_view, lambda v: v.checks_model),
    "metadata matrix": (_token_view, lambda v: v.metadata.metadata_model),
    "findings": (_findings_table, lambda v: v.findings_model),
    "form fields": (_http_view, lambda v: v.request_body.table.kv_model),
    "response headers": (_http_view, lambda v: v.response_headers.kv_model),
    "discovery document": (_discovery_view, lambda v: v.tree.json_model),
    "json tree": (_json_tree, lambda v: v.json_model),
}


@pytest.fixture
def keep() -> Iterator[list[QWidget]]:
    """Widgets that must outlive qtmodeltester's teardown (request it before qtmodeltester)."""
    held: list[QWidget] = []
    yield held
    for widget in held:
        widget.close()
        widget.deleteLater()


@pytest.mark.parametrize("name", list(MODELS))
def test_inspector_model_passes_the_model_tester(
    name: str, keep: list[QWidget], qtmodeltester: Any
) -> None:
    make, pick = MODELS[name]
    view = make()
    keep.append(view)
    model = pick(view)
    assert model.rowCount() > 0
    qtmodeltester.check(model, force_py=True)


# ---------------------------------------------------------------------------------------------
# Tables sized like Qt sizes them, without laying every cell out again


def _wide_table(qtbot: Any, rows: list[tuple[str, str]]) -> Any:
    from itsme_debugger.ui.widgets import KeyValueTable

    table = KeyValueTable(fit=True)
    qtbot.addWidget(table)
    table.resize(420, 600)
    table.set_rows(rows)
    table.show()
    qtbot.waitExposed(table)
    return table


LONG = "a value long enough to wrap onto several lines in a column of this width " * 3


def test_fit_table_rows_are_as_tall_as_qt_makes_them(qtbot: Any) -> None:
    from PySide6.QtWidgets import QTableView

    table = _wide_table(qtbot, [("short", "one line"), ("long", LONG), ("empty", "")])
    qt = [QTableView.sizeHintForRow(table, row) for row in range(3)]
    assert [table.sizeHintForRow(row) for row in range(3)] == qt
    assert qt[1] > 2 * qt[0]  # the long value wraps
    table.set_rows([("short", LONG), ("long", "one line"), ("empty", "")])
    assert [table.sizeHintForRow(row) for row in range(3)] == [qt[1], qt[0], qt[2]]
    table.setColumnWidth(0, table.columnWidth(0) + 40)  # the other column narrows: taller
    assert table.sizeHintForRow(0) == QTableView.sizeHintForRow(table, 0) >= qt[1]
    qtbot.waitUntil(lambda: table.rowHeight(0) == table.sizeHintForRow(0))  # laid out so


def test_fit_table_measures_capped_columns_as_qt_does(qtbot: Any) -> None:
    from PySide6.QtWidgets import QTableView

    names = ("client_secret_post", "response_type", "a", "redirect_uri", "code_challenge_method")
    for name in names:
        table = _wide_table(qtbot, [(name, "x")])
        assert table.text_width(0) == QTableView.sizeHintForColumn(table, 0), name


def test_the_http_exchange_is_drawn_when_its_tab_is_shown(qtbot: Any) -> None:
    from itsme_debugger.core.report import FlowResult, StepRecord
    from itsme_debugger.ui.inspector_panel import HTTP_TAB, RESULT_TAB, InspectorPanel

    panel = InspectorPanel()
    qtbot.addWidget(panel)
    trace = Trace()
    token_exchange(trace)
    result = FlowResult()
    result.steps["id_token"] = StepRecord("id_token", status="ok")
    result.id_token = processed_id_token()
    panel.show_step("id_token", result, trace)
    assert panel.tabs.currentIndex() == RESULT_TAB
    assert panel.tabs.isTabEnabled(HTTP_TAB)
    assert "http" not in panel.__dict__  # not built, not drawn: its tab is not shown
    panel.tabs.setCurrentIndex(HTTP_TAB)
    assert panel.tabs.currentWidget() is panel.http
    assert "#1 token" in panel.http.title.text()
