"""``${VAR}`` references in bus URLs: secrets live in the environment, not in files.

``redis://app:${REDIS_PASSWORD}@db:6379/0`` is what a plan file holds; the
password is read from the environment when the bus is opened
(:func:`expand`), percent-encoded where the URL needs it, so any character
works. ``scenario compile`` turns a password typed into a playbook's
``.bus(...)`` into such a reference (:func:`externalize`) and says which
variable to set: a compiled plan never holds a secret.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from urllib.parse import quote, unquote

from scenario_engine.buses.url import _is_secret_option, redact, split_userinfo
from scenario_engine.errors import UsageError

__all__ = ["PASSWORD_VARIABLE", "expand", "externalize", "references"]

#: the variable ``scenario compile`` stores a bus URL's password or token under
PASSWORD_VARIABLE = "SCENARIO_BUS_PASSWORD"  # noqa: S105 - a name, not a password

_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def references(url: str) -> list[str]:
    """The environment variables ``url`` names, in order."""
    return list(dict.fromkeys(_REFERENCE.findall(url)))


def expand(url: str, environ: Mapping[str, str] | None = None) -> str:
    """``url`` with every ``${VAR}`` replaced from the environment.

    In the userinfo and in query values the value is percent-encoded, so a
    password may hold ``/``, ``#``, ``?``, ``@`` or ``%``; elsewhere (host,
    port, path) it goes in as it is.

    Raises:
        UsageError: a variable is not set; names it, never its neighbours' values.
    """
    if "${" not in url:
        return url
    env = os.environ if environ is None else environ
    missing = [name for name in references(url) if name not in env]
    if missing:
        names = ", ".join(missing)
        raise UsageError(
            f"bus URL {redact(url)}: environment variable{'s' if len(missing) > 1 else ''} "
            f"{names} {'are' if len(missing) > 1 else 'is'} not set",
            hint=f"export {missing[0]}=... before the run (the plan keeps secrets out of files)",
        )

    def encoded(match: re.Match[str]) -> str:
        return quote(env[match.group(1)], safe="")

    def raw(match: re.Match[str]) -> str:
        return env[match.group(1)]

    prefix, userinfo, rest = split_userinfo(url)
    base, mark, query = rest.partition("?")
    text = prefix
    if userinfo is not None:
        text += _REFERENCE.sub(encoded, userinfo) + "@"
    text += _REFERENCE.sub(raw, base)
    if mark:
        text += "?" + _REFERENCE.sub(encoded, query)
    return text


def externalize(url: str, used: dict[str, str]) -> tuple[str, dict[str, str]]:
    """``url`` with its secrets replaced by ``${VAR}`` references, and ``{VAR: secret}``.

    The password (or a lone token) becomes ``${SCENARIO_BUS_PASSWORD}``, a
    secret query option ``token=`` ``${SCENARIO_BUS_TOKEN}``. ``used`` maps the
    variables already handed out to their secrets, so the same secret keeps its
    name and another one gets a numbered name (``SCENARIO_BUS_PASSWORD_2``).
    """
    found: dict[str, str] = {}

    def name_for(base: str, secret: str) -> str:
        n = 1
        while True:
            name = base if n == 1 else f"{base}_{n}"
            if used.get(name, secret) == secret and found.get(name, secret) == secret:
                found[name] = secret
                return name
            n += 1

    prefix, userinfo, rest = split_userinfo(url)
    text = prefix
    if userinfo is not None:
        user, colon, password = userinfo.partition(":")
        secret = password if colon else userinfo
        if secret and not _REFERENCE.fullmatch(secret):
            ref = "${" + name_for(PASSWORD_VARIABLE, unquote(secret)) + "}"
            userinfo = f"{user}:{ref}" if colon else ref
        text += userinfo + "@"
    base, mark, query = rest.partition("?")
    text += base
    if mark:
        query, hash_mark, fragment = query.partition("#")
        pieces = []
        for piece in query.split("&"):
            name, eq, value = piece.partition("=")
            if eq and value and _is_secret_option(unquote(name)) and not _REFERENCE.fullmatch(
                value
            ):
                variable = re.sub(r"[^A-Za-z0-9]", "_", unquote(name)).upper()
                ref = "${" + name_for(f"SCENARIO_BUS_{variable}", unquote(value)) + "}"
                pieces.append(f"{name}={ref}")
            else:
                pieces.append(piece)
        text += "?" + "&".join(pieces) + hash_mark + fragment
    return text, found
