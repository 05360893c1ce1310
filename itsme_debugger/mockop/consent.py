"""The mock's HTML pages: the itsme®-like consent summary and the sign-in page's errors.

The consent page says who asks (client_id and service), which scopes and claims, each with
its label from the catalogue, and offers Approve / Deny in a form that POSTs a one-time
transaction id. Errors that cannot go back to the client (unknown client, bad redirect URI)
are shown on a page, as itsme® shows them on its sign-in page (seed 003).
"""

from __future__ import annotations

from html import escape

from itsme_debugger.core.catalogue import claim_info, scope_claims, scopes, short_name

from .authorize import AuthRequest
from .variants import ACR_ADVANCED

_STYLE = """
body{font-family:system-ui,sans-serif;background:#f4f4f6;color:#1d1d1f;margin:0}
main{max-width:40rem;margin:2rem auto;background:#fff;border-radius:12px;padding:1.5rem 2rem;
box-shadow:0 2px 10px rgba(0,0,0,.08)}
header{display:flex;gap:.6rem;align-items:center;margin-bottom:1rem}
.logo{background:#ff4612;color:#fff;font-weight:700;border-radius:8px;padding:.3rem .6rem}
.badge{font-size:.8rem;border:1px solid #bbb;border-radius:999px;padding:.1rem .5rem;color:#555}
h1{font-size:1.3rem}h2{font-size:1rem;margin-top:1.4rem}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.3rem;
border-bottom:1px solid #eee;vertical-align:top}code{font-size:.85em;color:#555}
.actions{display:flex;gap:1rem;margin-top:1.5rem}
button{font-size:1rem;padding:.6rem 1.6rem;border-radius:8px;border:0;cursor:pointer}
.approve{background:#ff4612;color:#fff}.deny{background:#e4e4e8;color:#1d1d1f}
.note{font-size:.85rem;color:#666}.error{color:#b00020}
"""
_TARGETS = {"id_token": "ID token", "userinfo": "UserInfo"}


def consent_page(req: AuthRequest, *, user_name: str, transaction: str, action: str) -> str:
    """The summary the user approves or denies."""
    client = escape(req.client.client_id)
    acr = (
        "advanced (itsme® code)"
        if req.acr == ACR_ADVANCED
        else "basic (fingerprint, FaceID or itsme® code)"
    )
    body = f"""
<h1>Share your identity with <b>{client}</b>?</h1>
<p>Signed in as <b>{escape(user_name)}</b> (the mock's example user).</p>
<table>
<tr><th>Client</th><td><code>{client}</code></td></tr>
<tr><th>Service</th><td><code>{escape(req.client.service_code)}</code></td></tr>
<tr><th>Confirmation</th><td>{escape(acr)}</td></tr>
</table>
<h2>Scopes</h2>
<table>{"".join(_scope_row(s) for s in req.scope)}</table>
{_claims_table(req)}
<form method="post" action="{escape(action)}">
<input type="hidden" name="transaction" value="{escape(transaction)}">
<div class="actions">
<button type="submit" name="decision" value="approve" class="approve">Approve</button>
<button type="submit" name="decision" value="deny" class="deny">Deny</button>
</div>
</form>
<p class="note">You will be sent back to <code>{escape(req.redirect_uri)}</code>.</p>
"""
    return _page("Share your data", body)


def error_page(error: str, description: str) -> str:
    """An error shown on the sign-in page instead of being sent to the client."""
    body = f"""
<h1 class="error">This sign-in request cannot be processed</h1>
<table>
<tr><th>error</th><td><code>{escape(error)}</code></td></tr>
<tr><th>error_description</th><td>{escape(description)}</td></tr>
</table>
<p class="note">The client or its redirect URI could not be trusted, so the error is shown here
instead of being sent back to the application.</p>
"""
    return _page("Sign-in error", body)


def _scope_row(scope: str) -> str:
    if scope.startswith("service:"):
        what = "The itsme® service to use"
    elif scope == "openid":
        what = "Your unique identifier at this application (sub)"
    else:
        what = scopes().get(scope, "")
        labels = [_label(c) for c in scope_claims(scope) if c != "sub"]
        if labels:
            what = ", ".join(labels)
    return f"<tr><th><code>{escape(scope)}</code></th><td>{escape(what)}</td></tr>"


def _claims_table(req: AuthRequest) -> str:
    rows = [
        f"<tr><td>{escape(_label(name))}</td><td><code>{escape(short_name(name))}</code></td>"
        f"<td>{label}</td><td>{'essential' if spec.essential else ''}</td></tr>"
        for target, label in _TARGETS.items()
        for name, spec in req.claims.target(target).items()
    ]
    if not rows:
        return ""
    return (
        "<h2>Claims requested</h2><table><tr><th>Claim</th><th>Name</th><th>In</th><th></th>"
        f"</tr>{''.join(rows)}</table>"
    )


def _label(name: str) -> str:
    info = claim_info(name)
    return info.label if info is not None else short_name(name)


def _page(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · itsme® (mock)</title><style>{_STYLE}</style></head>
<body><main><header><span class="logo">itsme®</span><span class="badge">mock provider</span>
</header>{body}</main></body></html>
"""
