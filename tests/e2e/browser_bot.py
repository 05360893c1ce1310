"""A browser bot for the end-to-end tests: it plays the user on a provider's pages.

    python tests/e2e/browser_bot.py [--deny] [--tamper-state] [--timeout S] URL

It opens the authorization URL, follows redirects by hand (cookies kept), fills in and submits
the forms it meets (oidc-provider's development login and consent pages, the mock provider's
consent page; any login works), presses Approve, or Deny / Cancel with ``--deny``, until a
redirect points at a loopback redirect URI on another origin than the provider's. It then
requests that URI, which hands the authorization response to the debugger's loopback server,
and exits 0 without printing anything. ``--tamper-state`` changes the ``state`` parameter of
that last request first. On any failure it prints one line to stderr and exits 1.

Only loopback addresses are contacted. Needs httpx and the standard library only; importable
(:func:`run`) as well as runnable, and used as ``itsme-debugger flow --open-with``.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import httpx

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_STEPS = 25
_APPROVE = re.compile(
    r"\b(approve|allow|accept|authori[sz]e|consent|continue|confirm|sign[- ]?in|log[- ]?in|"
    r"submit|yes|ok|next|grant)\b",
    re.IGNORECASE,
)
_DENY = re.compile(r"\b(deny|reject|decline|cancel|abort|refuse|no)\b", re.IGNORECASE)
_CREDENTIAL_FIELD = re.compile(r"login|user|email|password|pass", re.IGNORECASE)
_TEXT_TYPES = frozenset({"text", "email", "password", "search", "tel", "url", "number", ""})
#: What the user types into an empty required field (any login works at the test providers).
_FILL = {"password": "bot-password", "email": "george@example.org", "number": "1"}


class BotError(Exception):
    """The bot could not finish: the message is one line for stderr."""


@dataclass(frozen=True)
class Delivery:
    """The authorization response the bot handed to the redirect URI."""

    url: str
    method: str
    status: int
    steps: tuple[str, ...]


@dataclass
class _Button:
    name: str
    value: str
    label: str = ""
    formaction: str = ""
    formmethod: str = ""

    def words(self) -> str:
        return f"{self.label} {self.value} {self.name}"


@dataclass(frozen=True)
class _Field:
    name: str
    value: str
    #: The input type when the field is empty and must be filled in (a login, a password).
    blank: str = ""


@dataclass
class _Form:
    action: str
    method: str
    form_id: str
    fields: list[_Field] = field(default_factory=list)
    buttons: list[_Button] = field(default_factory=list)


@dataclass
class _Link:
    href: str
    label: str = ""


class _PageParser(HTMLParser):
    """Forms (fields, buttons), links and the visible text of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[_Form] = []
        self.links: list[_Link] = []
        self.text: list[str] = []
        self._form: _Form | None = None
        self._orphans: list[tuple[str, _Button | _Field]] = []
        self._button: _Button | None = None
        self._link: _Link | None = None
        self._select: str | None = None
        self._select_value: str | None = None
        self._textarea: list[str] | None = None
        self._textarea_name = ""
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "form":
            method = a.get("method", "get").lower()
            self._form = _Form(a.get("action", ""), method, a.get("id", ""))
            self.forms.append(self._form)
        elif tag == "input":
            self._input(a)
        elif tag == "button" and a.get("type", "submit").lower() == "submit":
            self._button = _button(a, "")
            self._attach(a, self._button)
        elif tag == "select":
            self._select, self._select_value = a.get("name", ""), None
        elif tag == "option" and self._select is not None:
            if self._select_value is None or "selected" in a:
                self._select_value = a.get("value", "")
        elif tag == "textarea":
            self._textarea, self._textarea_name = [], a.get("name", "")
        elif tag == "a" and a.get("href"):
            self._link = _Link(a["href"])
            self.links.append(self._link)

    def _input(self, a: dict[str, str]) -> None:
        kind, name, value = a.get("type", "text").lower(), a.get("name", ""), a.get("value", "")
        if kind in ("submit", "image"):
            self._attach(a, _button(a, value or a.get("alt", "")))
        elif not name or kind in ("button", "reset", "file"):
            return
        elif kind in ("checkbox", "radio"):
            if "checked" in a:
                self._attach(a, _Field(name, value or "on"))
        elif (
            kind in _TEXT_TYPES
            and not value
            and ("required" in a or _CREDENTIAL_FIELD.search(name))
        ):
            self._attach(a, _Field(name, "", kind or "text"))
        else:
            self._attach(a, _Field(name, value))

    def _attach(self, a: dict[str, str], item: _Button | _Field) -> None:
        owner = a.get("form")
        if owner or self._form is None:
            self._orphans.append((owner or "", item))
        else:
            _add(self._form, item)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag == "form":
            self._form = None
        elif tag == "button":
            self._button = None
        elif tag == "a":
            self._link = None
        elif tag == "select" and self._select is not None:
            if self._select and self._select_value is not None and self._form is not None:
                self._form.fields.append(_Field(self._select, self._select_value))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            if self._textarea_name and self._form is not None:
                self._form.fields.append(_Field(self._textarea_name, "".join(self._textarea)))
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._textarea is not None:
            self._textarea.append(data)
            return
        if self._button is not None:
            self._button.label += data
        if self._link is not None:
            self._link.label += data
        if data.strip():
            self.text.append(data.strip())

    def close(self) -> None:
        super().close()
        by_id = {f.form_id: f for f in self.forms if f.form_id}
        for owner, item in self._orphans:
            if owner in by_id:
                _add(by_id[owner], item)


def _button(a: dict[str, str], label: str) -> _Button:
    return _Button(
        a.get("name", ""),
        a.get("value", ""),
        label,
        a.get("formaction", ""),
        a.get("formmethod", "").lower(),
    )


def _add(form: _Form, item: _Button | _Field) -> None:
    if isinstance(item, _Button):
        form.buttons.append(item)
    else:
        form.fields.append(item)


def _parse(html: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return parser


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _without_query(url: str) -> str:
    """The URL with no query or fragment: what may be shown (codes and states stay out)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _check_loopback(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.hostname not in LOOPBACK_HOSTS:
        raise BotError(f"refusing to leave loopback for {_without_query(url)}")


def _tamper(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    if not any(k == "state" for k, _ in pairs):
        return [*pairs, ("state", "tampered-by-browser-bot")]
    return [(k, f"{v}-tampered" if k == "state" else v) for k, v in pairs]


def _choose(page: _PageParser, deny: bool) -> tuple[_Form, _Button | None] | _Link:
    """The form and button (or link) a user who approves, or denies, would press."""
    wanted = _DENY if deny else _APPROVE
    for form in page.forms:
        for button in form.buttons:
            words = button.words()
            if wanted.search(words) and (deny or not _DENY.search(words)):
                return form, button
    if deny:
        for link in page.links:
            if _DENY.search(link.label):
                return link
        raise BotError("found no Deny, Cancel or Abort button or link")
    for form in page.forms:
        if not form.buttons:  # an auto-submitting form (response_mode=form_post)
            return form, None
        if len(form.buttons) == 1 and not _DENY.search(form.buttons[0].words()):
            return form, form.buttons[0]
    raise BotError("found no form to submit and no Approve or Continue button")


def _form_pairs(form: _Form, button: _Button | None) -> list[tuple[str, str]]:
    """What the browser sends: the fields (blank credentials filled in) and the button."""
    pairs = [(f.name, _FILL.get(f.blank, "george") if f.blank else f.value) for f in form.fields]
    if button is not None and button.name:
        pairs.append((button.name, button.value))
    return pairs


class _Bot:
    def __init__(self, url: str, *, deny: bool, tamper_state: bool, timeout: float) -> None:
        _check_loopback(url)
        self.start = url
        self.deny = deny
        self.tamper_state = tamper_state
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout
        self.provider_origins = {_origin(url)}
        self.steps: list[str] = []

    def _remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise BotError(f"gave up after {self.timeout:g} s")
        return left

    def _timed(self, request: httpx.Request) -> httpx.Request:
        """``request`` with what is left of the time budget as its timeout."""
        request.extensions["timeout"] = httpx.Timeout(self._remaining()).as_dict()
        return request

    def _is_redirect_uri(self, url: str) -> bool:
        return _origin(url) not in self.provider_origins

    def run(self) -> Delivery:
        with httpx.Client(trust_env=False, follow_redirects=False) as client:
            request = client.build_request("GET", self.start)
            for _ in range(MAX_STEPS):
                self.steps.append(f"{request.method} {_without_query(str(request.url))}")
                try:
                    response = client.send(self._timed(request))
                except httpx.HTTPError as exc:
                    where = _without_query(str(request.url))
                    raise BotError(f"{request.method} {where} failed: {exc!r}") from exc
                nxt = self._next(client, response)
                if isinstance(nxt, Delivery):
                    return nxt
                request = nxt
        raise BotError(f"no redirect to the redirect URI after {MAX_STEPS} steps")

    def _next(self, client: httpx.Client, response: httpx.Response) -> httpx.Request | Delivery:
        here = str(response.url)
        if response.is_redirect:
            target = urljoin(here, response.headers.get("location", ""))
            _check_loopback(target)
            if self._is_redirect_uri(target):
                return self._deliver("GET", target, [])
            return client.build_request("GET", target)
        page = _parse(response.text)
        if response.status_code >= 400:
            text = " ".join(page.text)[:200]
            raise BotError(f"{_without_query(here)} answered {response.status_code}: {text}")
        for form in page.forms:  # response_mode=form_post: the page posts to the redirect URI
            action = urljoin(here, form.action or here)
            if self._is_redirect_uri(action):
                _check_loopback(action)
                return self._deliver(form.method.upper(), action, _form_pairs(form, None))
        try:
            choice = _choose(page, self.deny)
        except BotError as exc:
            raise BotError(f"{exc} at {_without_query(here)}") from exc
        if isinstance(choice, _Link):
            target = urljoin(here, choice.href)
            _check_loopback(target)
            return client.build_request("GET", target)
        form, button = choice
        action = urljoin(here, (button and button.formaction) or form.action or here)
        method = (button and button.formmethod) or form.method
        _check_loopback(action)
        pairs = _form_pairs(form, button)
        if self._is_redirect_uri(action):
            return self._deliver(method.upper(), action, pairs)
        return _submit(client, method, action, pairs)

    def _deliver(self, method: str, url: str, pairs: list[tuple[str, str]]) -> Delivery:
        """Hand the authorization response to the redirect URI (no provider cookies go along)."""
        if self.tamper_state and method == "GET":
            parts = urlsplit(url)
            query = _tamper(parse_qsl(parts.query, keep_blank_values=True))
            url = urlunsplit(parts._replace(query=urlencode(query)))
        elif self.tamper_state:
            pairs = _tamper(pairs)
        self.steps.append(f"{method} {_without_query(url)}")
        try:
            with httpx.Client(trust_env=False, follow_redirects=False) as client:
                response = client.send(self._timed(_submit(client, method, url, pairs)))
        except httpx.HTTPError as exc:
            where = _without_query(url)
            raise BotError(f"could not reach the redirect URI {where}: {exc!r}") from exc
        return Delivery(url, method, response.status_code, tuple(self.steps))


def _submit(
    client: httpx.Client, method: str, url: str, pairs: list[tuple[str, str]]
) -> httpx.Request:
    """The request a browser makes for a form (GET puts the fields in the query)."""
    if method.lower() == "post":
        body = urlencode(pairs).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return client.build_request("POST", url, content=body, headers=headers)
    if not pairs:
        return client.build_request("GET", url)
    parts = urlsplit(url)
    return client.build_request("GET", urlunsplit(parts._replace(query=urlencode(pairs))))


def run(
    url: str, *, deny: bool = False, tamper_state: bool = False, timeout: float = 30.0
) -> Delivery:
    """Play the user from ``url`` to the redirect URI; raises BotError when that fails."""
    return _Bot(url, deny=deny, tamper_state=tamper_state, timeout=timeout).run()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("url", help="the authorization URL")
    parser.add_argument("--deny", action="store_true", help="press Deny / Cancel instead")
    parser.add_argument(
        "--tamper-state", action="store_true", help="change state before calling the redirect URI"
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds in all (30)")
    args = parser.parse_args(argv)
    try:
        run(args.url, deny=args.deny, tamper_state=args.tamper_state, timeout=args.timeout)
    except BotError as exc:
        problem = str(exc)
    except Exception as exc:  # a bug here must still end in one line, not a traceback
        problem = f"unexpected {type(exc).__name__}: {exc}"
    else:
        return 0
    print("browser_bot: " + " ".join(problem.split()), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
