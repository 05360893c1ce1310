"""What the mock remembers between requests: consent transactions, codes and access tokens.

Plain state, no I/O; every method takes ``now`` so that tests can move the clock. The rules are
seed 003's: a code has 36 characters, lives 3 minutes, is bound to the client, the redirect URI
and the PKCE challenge, and is single-use (a second use revokes the tokens issued from it).
Failures raise :class:`~itsme_debugger.core.errors.OAuthError` with the seed's error code.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from itsme_debugger.core.errors import OAuthError
from itsme_debugger.core.pkce import verify

from .authorize import AuthRequest
from .tokens import ACCESS_TOKEN_LIFETIME, Grant

CODE_LIFETIME = 180.0  # seed 003: "the code has a lifetime of 3 minutes"
TRANSACTION_LIFETIME = 600.0
_FORGET_AFTER = 3600.0  # codes are kept this long to say "expired" rather than "unknown"


@dataclass
class Code:
    grant: Grant
    issued_at: float
    used: bool = False
    access_tokens: list[str] = field(default_factory=list)


@dataclass
class AccessToken:
    grant: Grant
    issued_at: float
    revoked: bool = False


class Store:
    def __init__(self) -> None:
        self.transactions: dict[str, tuple[AuthRequest, float]] = {}
        self.codes: dict[str, Code] = {}
        self.access_tokens: dict[str, AccessToken] = {}

    def open_transaction(self, req: AuthRequest, now: float) -> str:
        """A one-time id for the consent form."""
        self.transactions = {
            t: e for t, e in self.transactions.items() if now - e[1] < TRANSACTION_LIFETIME
        }
        transaction = secrets.token_urlsafe(24)
        self.transactions[transaction] = (req, now)
        return transaction

    def close_transaction(self, transaction: str, now: float) -> AuthRequest | None:
        """The request behind a transaction id, once; None when unknown, used or expired."""
        entry = self.transactions.pop(transaction, None)
        if entry is None or now - entry[1] >= TRANSACTION_LIFETIME:
            return None
        return entry[0]

    def issue_code(self, grant: Grant, now: float) -> str:
        self.codes = {c: r for c, r in self.codes.items() if now - r.issued_at < _FORGET_AFTER}
        code = secrets.token_urlsafe(27)  # 36 characters, as itsme®'s
        self.codes[code] = Code(grant, now)
        return code

    def redeem(
        self,
        code: str,
        *,
        client_id: str,
        redirect_uri: str | None,
        code_verifier: str | None,
        now: float,
    ) -> tuple[Grant, str]:
        """Exchange a code for a new access token; the grant it carries and the token."""
        record = self.codes.get(code)
        if record is None or record.grant.request.client.client_id != client_id:
            raise OAuthError("invalid_grant", "the code is unknown or was issued to another client")
        if record.used:
            for token in record.access_tokens:
                self.access_tokens[token].revoked = True
            raise OAuthError(
                "invalid_grant",
                "the code was already used; the tokens issued from it are now revoked",
            )
        if now - record.issued_at >= CODE_LIFETIME:
            raise OAuthError("invalid_grant", "the code expired (codes live 3 minutes)")
        req = record.grant.request
        if not redirect_uri:
            raise OAuthError("invalid_request", "redirect_uri is missing")
        if redirect_uri != req.redirect_uri:
            raise OAuthError(
                "invalid_grant", "redirect_uri differs from the authorization request's"
            )
        check_pkce(req.code_challenge, code_verifier)
        record.used = True
        access_token = secrets.token_urlsafe(32)
        record.access_tokens.append(access_token)
        self.access_tokens[access_token] = AccessToken(record.grant, now)
        return record.grant, access_token

    def access_token(self, token: str, now: float) -> AccessToken:
        """A valid access token's record; OAuthError invalid_token otherwise."""
        record = self.access_tokens.get(token)
        if record is None:
            raise OAuthError("invalid_token", "the access token is unknown")
        if record.revoked:
            raise OAuthError("invalid_token", "the access token was revoked")
        if now - record.issued_at >= ACCESS_TOKEN_LIFETIME:
            raise OAuthError("invalid_token", "the access token expired")
        return record

    def revoke(self, token: str, client_id: str) -> None:
        """RFC 7009: revoke the client's token; an unknown token is no error."""
        record = self.access_tokens.get(token)
        if record is None:
            return
        if record.grant.request.client.client_id != client_id:
            raise OAuthError("unauthorized_client", "the token was issued to another client")
        record.revoked = True


def check_pkce(challenge: str | None, verifier: str | None) -> None:
    """RFC 7636 4.6, S256 only."""
    if challenge is None:
        if verifier is not None:
            raise OAuthError(
                "invalid_grant", "code_verifier is sent, but the authorization had no challenge"
            )
        return
    if verifier is None:
        raise OAuthError("invalid_grant", "code_verifier is missing (PKCE was used)")
    if not verify(verifier, challenge, "S256"):
        raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")
