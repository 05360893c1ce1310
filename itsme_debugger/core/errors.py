"""Exceptions of the core.

Most problems are reported as :class:`~itsme_debugger.core.findings.Finding` values, not
raised. Exceptions are for what stops a step outright. The tree separates what *we* got wrong
(configuration, input the user gave) from what the *provider* got wrong, as h11 separates
LocalProtocolError from RemoteProtocolError::

    DebuggerError                   base; ``code`` is stable, ``message`` is one clear line
    ├── ConfigError                 the profile, a key file, an option is unusable (exit 2)
    │   └── KeyError_               a key is missing, malformed or of the wrong kind
    ├── ProviderError               the provider's answer stops the flow (exit 3)
    │   ├── OAuthError              an OAuth / OIDC error response (``error``, description)
    │   └── MalformedResponse       a body that is not what the protocol says (not JSON, ...)
    └── TokenError                  a token cannot even be parsed or decrypted (findings say why)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .findings import Finding


#: Control characters (and the Unicode line separators) as escapes: a message quotes what a
#: provider or a file said, and must stay one line whatever that was.
_ESCAPES = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F)} | {
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): " ",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


class DebuggerError(Exception):
    code = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        message = message.strip().translate(_ESCAPES)
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class ConfigError(DebuggerError):
    code = "config"


class KeyError_(ConfigError):
    code = "config.key"


class ProviderError(DebuggerError):
    code = "provider"


class OAuthError(ProviderError):
    def __init__(
        self,
        error: str,
        description: str = "",
        *,
        status: int | None = None,
        endpoint: str = "",
        message: str | None = None,
    ) -> None:
        self.error = error
        self.description = description
        self.status = status
        self.endpoint = endpoint
        text = message or (
            f"{endpoint + ' ' if endpoint else ''}error {error}"
            + (f": {description}" if description else "")
        )
        super().__init__(text, code=f"oauth.{error}")


class MalformedResponse(ProviderError):
    code = "provider.malformed"


class TokenError(DebuggerError):
    """A token that cannot be processed at all; ``findings`` say why."""

    code = "token"

    def __init__(self, message: str, findings: Sequence[Finding] = (), *, code: str | None = None):
        super().__init__(message, code=code)
        self.findings = list(findings)
