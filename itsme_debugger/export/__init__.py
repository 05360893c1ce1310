"""Exports of a flow's trace: HAR 1.2, JSON, a Markdown report, curl; redaction; import.

The GUI and the command line call these:

- :func:`write_export` (path, trace, result, profile, reveal=False): the format by suffix,
  written all or nothing; :func:`export_format` checks a path's suffix first.
- :func:`make_har`, :func:`make_json`, :func:`make_markdown`: the documents, pure.
- :func:`to_curl` (request, reveal=False): "copy as curl".
- :func:`load_trace` (path) -> :class:`LoadedTrace`: open a HAR or JSON trace offline.

Redaction is on unless ``reveal=True`` (see :mod:`.redact`).
"""

from .curl import curl_argv, to_curl
from .files import FORMATS, export_format, write_export
from .har import make_har
from .json_export import make_json
from .load import LoadedTrace, load_trace, parse_trace, provider_keys, token_in_exchange
from .markdown import make_markdown
from .redact import Redactor

__all__ = [
    "FORMATS",
    "LoadedTrace",
    "Redactor",
    "curl_argv",
    "export_format",
    "load_trace",
    "make_har",
    "make_json",
    "make_markdown",
    "parse_trace",
    "provider_keys",
    "to_curl",
    "token_in_exchange",
    "write_export",
]
