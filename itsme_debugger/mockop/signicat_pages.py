"""The mock Signicat broker's HTML pages: the eID choice, the itsme® consent, the REST session.

Without ``acr_values=idp:itsme`` Signicat first shows its eID selection screen (seed 000); the
mock's offers itsme® (and Cancel). The consent summary says which itsme® service the scope or
the requested attributes start and which data goes to the client; the REST API's page offers
Approve, Abort and Error, one for each callback.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from itsme_debugger.core.signicat import ATTRIBUTES

from .consent import _page

_SERVICES = {
    "name": "Authentication (log in a recurring user)",
    "profile": "Identification (verified personal data)",
}


def _hidden(fields: Iterable[tuple[str, str]]) -> str:
    return "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields
    )


def idp_choice_page(client_id: str, *, transaction: str, action: str) -> str:
    """Signicat's eID selection screen, shown when acr_values does not name idp:itsme."""
    body = f"""
<h1>Choose your electronic ID</h1>
<p><b>{escape(client_id)}</b> asks you to identify yourself. The request did not say which eID
to use (<code>acr_values=idp:itsme</code> skips this screen).</p>
<form method="post" action="{escape(action)}">
{_hidden([("transaction", transaction)])}
<div class="actions">
<button type="submit" name="idp" value="itsme" class="approve">Continue with itsme®</button>
<button type="submit" name="idp" value="cancel" class="deny">Cancel</button>
</div>
</form>
<p class="note">Signicat broker (mock): itsme® is the only eID of this account.</p>
"""
    return _page("Choose your eID", body)


def broker_consent_page(
    client_id: str, scope: Sequence[str], user_name: str, *, transaction: str, action: str
) -> str:
    """The itsme® consent for an OIDC request through Signicat (Approve / Deny)."""
    service = next((_SERVICES[s] for s in ("profile", "name") if s in scope), "none chosen")
    body = f"""
<h1>Share your identity with <b>{escape(client_id)}</b>?</h1>
<p>Signed in as <b>{escape(user_name)}</b> (the mock's example user), through Signicat.</p>
<table>
<tr><th>Client</th><td><code>{escape(client_id)}</code></td></tr>
<tr><th>itsme® service</th><td>{escape(service)}</td></tr>
<tr><th>Scope</th><td><code>{escape(" ".join(scope))}</code></td></tr>
</table>
<form method="post" action="{escape(action)}">
{_hidden([("transaction", transaction)])}
<div class="actions">
<button type="submit" name="decision" value="approve" class="approve">Approve</button>
<button type="submit" name="decision" value="deny" class="deny">Deny</button>
</div>
</form>
"""
    return _page("Share your data", body)


def session_page(
    account_id: str,
    attributes: Sequence[str],
    user_name: str,
    *,
    fields: Sequence[tuple[str, str]],
    action: str,
) -> str:
    """The REST API session's page: one button for each callback (Approve, Abort, Error)."""
    rows = "".join(
        f"<tr><td>{escape(ATTRIBUTES[a].label if a in ATTRIBUTES else a)}</td>"
        f"<td><code>{escape(a)}</code></td></tr>"
        for a in attributes
    )
    body = f"""
<h1>Identify yourself with itsme®</h1>
<p>Signed in as <b>{escape(user_name)}</b> (the mock's example user), for the Signicat account
<code>{escape(account_id)}</code>.</p>
<h2>Requested attributes</h2>
<table>{rows or "<tr><td>none</td></tr>"}</table>
<form method="post" action="{escape(action)}">
{_hidden(fields)}
<div class="actions">
<button type="submit" name="decision" value="approve" class="approve">Approve</button>
<button type="submit" name="decision" value="abort" class="deny">Abort</button>
<button type="submit" name="decision" value="error" class="deny">Error</button>
</div>
</form>
<p class="note">Approve, Abort and Error send the browser to the session's success, abort and
error callback.</p>
"""
    return _page("Identify yourself", body)


def message_page(heading: str, text: str) -> str:
    """A page that only says something (an unknown or finished session)."""
    return _page(heading, f'<h1 class="error">{escape(heading)}</h1><p>{escape(text)}</p>')
