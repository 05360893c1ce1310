"""itsme-debugger: a desktop OpenID Connect debugger for itsme®, Signicat and any OIDC provider."""

__version__ = "0.1.0"

__all__ = ["__version__"]
