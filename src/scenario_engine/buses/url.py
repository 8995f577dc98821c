"""Bus URLs: parsing, typed query options, and redaction of credentials.

A bus is chosen by URL (``redis://user:pass@host:6379/0?batch=100``), and URLs
end up in logs, error messages and reports. Every place that shows a URL goes
through :func:`redact`, so a password or token typed into ``--bus`` never
leaves the process. Bus plugins read their query options through
:class:`BusURL` so a bad value gets the same located, hinted error everywhere.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import attrs

from scenario_engine.durations import DurationError, parse_duration
from scenario_engine.errors import UsageError

__all__ = ["MASK", "BusURL", "parse_bus_url", "redact", "scrub", "split_userinfo"]

#: what replaces a secret
MASK = "***"

# query options whose value is a secret, matched as a substring of the lowercased name
_SECRET_OPTION_PARTS = ("pass", "pwd", "token", "secret", "auth", "seed", "nkey")


def _is_secret_option(name: str) -> bool:
    lowered = name.lower()
    return any(part in lowered for part in _SECRET_OPTION_PARTS)


_ENV_REFERENCE = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*\}$")
_OPTION_PIECE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*=")
_HOST_PORT = re.compile(r"^(\[[^\]]*\]|[^:\[\]]*)(:\d*)?$")


def split_userinfo(url: str) -> tuple[str, str | None, str]:
    """``(scheme://, userinfo or None, the rest after its '@')``, splitting as a person meant it.

    A password holding ``/``, ``#``, ``?`` or ``@`` that was not percent-encoded
    ends the URL's authority early for :func:`urllib.parse.urlsplit`, which would
    then show the password as a host, a path or a fragment. Here the userinfo
    reaches to the last ``@`` unless that ``@`` sits in a ``name=value`` query
    option of a URL whose authority is a plain ``host:port``.
    """
    head, sep, rest = url.partition("://")
    if not sep:  # not a URL: whatever stands before an '@' may still be a password
        at = url.rfind("@")
        return ("", url[:at], url[at + 1 :]) if at >= 0 else (url, None, "")
    prefix = head + sep
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    at = rest.rfind("@", 0, end)
    if at >= 0:
        return prefix, rest[:at], rest[at + 1 :]
    at = rest.rfind("@")
    if at < 0:
        return prefix, None, rest
    query = rest.find("?", end)
    if 0 <= query < at and _HOST_PORT.match(rest[:end]) and "#" not in rest[end:at]:
        piece = rest[query + 1 : at].rpartition("&")[2]
        if _OPTION_PIECE.match(piece):
            return prefix, None, rest  # an '@' inside an option's value: no credentials
    return prefix, rest[:at], rest[at + 1 :]


def _redact_userinfo(userinfo: str) -> str:
    # "user:password" keeps the user; a lone "token" is all secret (NATS token auth);
    # a ${VAR} reference is not a secret, and shows which variable holds it
    user, colon, password = userinfo.partition(":")
    secret = password if colon else userinfo
    if not secret or _ENV_REFERENCE.match(secret):
        return userinfo
    return f"{user}:{MASK}" if colon else MASK


def redact(url: str) -> str:
    """``url`` with passwords, tokens and secret query values replaced by ``***``.

    ``redis://user:secret@h:1/0`` becomes ``redis://user:***@h:1/0``, and
    ``nats://s3cr3t@h:4222`` becomes ``nats://***@h:4222``, whatever characters
    the secret holds (see :func:`split_userinfo`). Never raises.
    """
    prefix, userinfo, rest = split_userinfo(url)
    shown = prefix + (f"{_redact_userinfo(userinfo)}@" if userinfo is not None else "") + rest
    base, mark, query = shown.partition("?")
    if not mark:
        return shown
    query, hash_mark, fragment = query.partition("#")
    pieces = []
    for piece in query.split("&"):
        name, eq, value = piece.partition("=")
        secret = eq and value and _is_secret_option(unquote(name))
        keep = not secret or _ENV_REFERENCE.match(value)
        pieces.append(piece if keep else f"{name}={MASK}")
    return f"{base}?{'&'.join(pieces)}{hash_mark}{fragment}"


def _secrets_of(url: str) -> list[str]:
    found: list[str] = []
    userinfo = split_userinfo(url)[1]
    if userinfo:
        user, colon, password = userinfo.partition(":")
        secret = password if colon else user
        if secret and not _ENV_REFERENCE.match(secret):
            found += [secret, unquote(secret), quote(unquote(secret), safe="")]
    query = url.partition("?")[2].partition("#")[0]
    for name, value in parse_qsl(query, keep_blank_values=True):
        if value and _is_secret_option(name) and not _ENV_REFERENCE.match(value):
            found += [value, quote(value, safe="")]
    # longest first, so a secret that contains another is masked whole
    return sorted({s for s in found if len(s) >= 2}, key=len, reverse=True)


def scrub(text: str, url: str) -> str:
    """``text`` with every secret of ``url`` masked.

    For messages that came from a client library (an exception text, a log
    line) and might quote the URL or the password it was given.
    """
    for secret in _secrets_of(url):
        text = text.replace(secret, MASK)
    return text


@attrs.frozen(repr=False)
class BusURL:
    """A parsed bus URL; ``str()`` and ``repr()`` show it redacted."""

    raw: str
    scheme: str
    host: str
    port: int | None
    path: str
    username: str | None
    password: str | None
    options: Mapping[str, str]

    @property
    def redacted(self) -> str:
        return redact(self.raw)

    @property
    def endpoint(self) -> str:
        """``host:port`` as a client dials it (IPv6 hosts in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}" if self.port is not None else host

    def __str__(self) -> str:
        return self.redacted

    def __repr__(self) -> str:
        return f"BusURL({self.redacted!r})"

    # ------------------------------------------------------------------ options

    def _bad(self, name: str, value: str, expected: str) -> UsageError:
        shown = MASK if _is_secret_option(name) else value
        return UsageError(
            f"bus URL {self.redacted}: option {name}={shown}: expected {expected}",
            hint=f"fix the query string of the {self.scheme}:// URL",
        )

    def text(self, name: str, default: str | None = None) -> str | None:
        """Option ``name`` as given, or ``default``."""
        return self.options.get(name, default)

    def integer(self, name: str, default: int, *, minimum: int = 0) -> int:
        """Option ``name`` as an int of at least ``minimum``."""
        value = self.options.get(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise self._bad(name, value, f"an integer >= {minimum}") from None
        if number < minimum:
            raise self._bad(name, value, f"an integer >= {minimum}")
        return number

    def duration(self, name: str, default: float, *, minimum: float = 0.0) -> float:
        """Option ``name`` as seconds: ``500ms``, ``5s``, ``2m`` or a plain number."""
        value = self.options.get(name)
        if value is None:
            return default
        try:
            seconds = parse_duration(float(value) if _is_number(value) else value)
        except DurationError as err:
            raise self._bad(name, value, "a duration such as 500ms, 5s or 2m") from err
        if seconds < minimum:
            raise self._bad(name, value, f"a duration >= {minimum:g}s")
        return seconds

    def flag(self, name: str, default: bool = False) -> bool:
        """Option ``name`` as a boolean (``1/true/yes/on`` or ``0/false/no/off``)."""
        value = self.options.get(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise self._bad(name, value, "true or false")

    def reject_unknown(self, known: Iterable[str]) -> None:
        """Raise for options this bus does not understand (a typo must not be ignored)."""
        accepted = sorted(known)
        for name in self.options:
            if name in accepted:
                continue
            close = difflib.get_close_matches(name, accepted, n=1)
            hint = f"did you mean {close[0]!r}?" if close else (
                "accepted options: " + (", ".join(accepted) or "none"))
            raise UsageError(
                f"bus URL {self.redacted}: unknown option {name!r} for {self.scheme}://",
                hint=hint,
            )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def parse_bus_url(
    url: str,
    *,
    schemes: Iterable[str] | None = None,
    default_host: str = "localhost",
    default_port: int | None = None,
) -> BusURL:
    """Split ``url`` into its parts; errors name the URL redacted and say what was expected.

    Raises:
        UsageError: not a URL, a scheme other than ``schemes``, a bad port,
            or a query option given twice.
    """
    if not isinstance(url, str) or "://" not in url:
        raise UsageError(
            f"not a bus URL: {redact(str(url))!r}",
            hint="write scheme://host:port, e.g. redis://127.0.0.1:6379/0",
        )
    userinfo = split_userinfo(url)[1]
    if userinfo is not None and any(c in userinfo for c in "/?#"):
        raise UsageError(
            f"bus URL {redact(url)}: the user or password holds '/', '?' or '#', which a URL "
            "must percent-encode",
            hint="write / as %2F, ? as %3F, # as %23 (and @ as %40, % as %25), or keep the "
            "password in an environment variable: redis://user:${REDIS_PASSWORD}@host",
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise UsageError(
            f"bus URL {redact(url)}: {scrub(str(err), url)}",
            hint="the port must be a number between 0 and 65535",
        ) from None
    scheme = parts.scheme.lower()
    accepted = tuple(schemes) if schemes is not None else None
    if accepted is not None and scheme not in accepted:
        raise UsageError(
            f"bus URL {redact(url)}: expected scheme "
            + " or ".join(f"{s}://" for s in accepted)
            + f" (got {scheme}://)",
        )
    options: dict[str, str] = {}
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name in options:
            raise UsageError(
                f"bus URL {redact(url)}: option {name!r} is given twice",
                hint="give each option once; lists are comma-separated",
            )
        options[name] = value
    username = unquote(parts.username) if parts.username is not None else None
    password = unquote(parts.password) if parts.password is not None else None
    return BusURL(
        raw=url,
        scheme=scheme,
        host=parts.hostname or default_host,
        port=port if port is not None else default_port,
        path=parts.path,
        username=username or None,
        password=password,
        options=MappingProxyType(options),
    )
