"""Payload templates: ``{{name}}`` placeholders inside dicts, lists and strings.

A string that is exactly one placeholder takes the variable's value with its
type (``"{{index}}"`` gives the int ``3``); a placeholder inside a longer
string is formatted with ``str()`` (``"o-{{index}}"`` gives ``"o-3"``).
``{{user.name}}`` reads a dot path inside a variable: keys of mappings and
indices of lists, nothing else. A template is data, often from a plan file,
so it never reads an attribute, never calls anything and never renders a
callable: ``{{f.__globals__}}`` or ``{{x.__class__}}`` is refused
(:mod:`scenario_engine.template_rules` says so before a run). Mapping keys are
rendered too, always to strings. The output is plain data (dicts and lists),
whatever the input (the plan's ``FrozenMap`` and tuples included), and is a
fresh object on every render, so a consumer that changes one payload never
changes the next.

Rendering sits on the hot path of generators and publish steps, so
:func:`compile_template` turns a template once into one Python expression
(the approach attrs takes for its generated methods): a render is then a
single function call that builds the output directly, with no walk over the
template. Only the template's *shape* becomes code; every literal reaches the
generated source through ``repr()`` or as a bound constant, never as code.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "TemplateError",
    "compile_template",
    "data_only",
    "iso_timestamp",
    "placeholder_paths",
    "placeholders",
    "render",
]

#: ``{{ name }}`` or ``{{ name.path.0 }}``; anything else between braces stays literal
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_]\w*(?:\.\w+)*)\s*\}\}")
_SCALARS = (str, int, float, bool, type(None))
_SCALAR_CLASSES = frozenset(_SCALARS)
_MISSING = object()
#: templates nested deeper than this are rendered by the interpreter, not compiled
_MAX_COMPILED_DEPTH = 40

Renderer = Callable[[Mapping[str, Any]], Any]


class TemplateError(KeyError):
    """A template names a variable the context does not have.

    A ``KeyError`` so that callers treating templates as lookups keep
    working; ``name`` is the missing variable and ``known`` the names that
    were available.
    """

    def __init__(self, name: str, known: Mapping[str, Any] | tuple[str, ...], detail: str = ""):
        self.name = name
        self.known: tuple[str, ...] = tuple(sorted(known))
        what = detail or f"unknown template variable {name!r}"
        known_text = f"; known: {', '.join(self.known) or 'none'}"
        self.text = what if detail and not self.known else what + known_text
        super().__init__(self.text)

    def __str__(self) -> str:  # KeyError would quote the message
        return self.text


def iso_timestamp(seconds: float) -> str:
    """ISO 8601 UTC with milliseconds for seconds since the Unix epoch.

    The ``{{timestamp}}`` variable; the caller adds its clock's epoch (0 on
    the virtual clock, so virtual runs stay byte-identical). Same text as
    ``datetime.isoformat(timespec="milliseconds")`` (microseconds rounded,
    then milliseconds truncated), but the date part is formatted once per
    second instead of once per call.
    """
    fraction, whole = math.modf(seconds)
    micros = round(fraction * 1_000_000)
    if micros >= 1_000_000:
        whole, micros = whole + 1, micros - 1_000_000
    elif micros < 0:
        whole, micros = whole - 1, micros + 1_000_000
    return f"{_second(int(whole))}.{micros // 1000:03d}Z"


@functools.lru_cache(maxsize=8)
def _second(whole: int) -> str:
    moment = _dt.datetime.fromtimestamp(whole, tz=_dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def placeholders(template: Any) -> frozenset[str]:
    """The variable names a template uses (first segment of dot paths)."""
    found: set[str] = set()
    _collect(template, found)
    return frozenset(found)


def _collect(node: Any, found: set[str]) -> None:
    if isinstance(node, str):
        found.update(m.group(1).partition(".")[0] for m in _PLACEHOLDER.finditer(node))
    elif isinstance(node, Mapping):
        for key, value in node.items():
            _collect(key, found)
            _collect(value, found)
    elif isinstance(node, list | tuple):
        for item in node:
            _collect(item, found)


def placeholder_paths(text: str) -> list[tuple[str, str]]:
    """Each placeholder of a string as written (``{{user.name}}``) with its dot path."""
    return [(m.group(0), m.group(1)) for m in _PLACEHOLDER.finditer(text)]


# --------------------------------------------------------------------------- lookups


def _walk(value: Any, rest: str) -> Any:
    """A dot path inside a value: mapping keys and list indices only, never attributes."""
    for part in rest.split("."):
        if isinstance(value, Mapping):
            value = value.get(part, _MISSING)
        elif isinstance(value, list | tuple) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
        if value is _MISSING:
            return _MISSING
    return value


def _lookup(context: Mapping[str, Any], path: str) -> Any:
    """A variable, or a dot path inside one; missing names raise TemplateError."""
    head, _, rest = path.partition(".")
    if head not in context:
        raise TemplateError(head, tuple(context))
    value = context[head]
    if not rest:
        return _data(value, head)
    found = _walk(value, rest)
    if found is _MISSING:
        raise TemplateError(
            path, tuple(context), f"template variable {head!r} has no {rest!r}"
        )
    return _data(found, path)


def _data(value: Any, path: str) -> Any:
    if isinstance(value, _Code) or (callable(value) and not isinstance(value, _SCALARS)):
        raise TemplateError(
            path, (),
            f"template variable {path!r} is a callable: a template substitutes data only",
        )
    return value


def _path_reader(path: str) -> Callable[[Mapping[str, Any]], Any]:
    """A compiled :func:`_lookup` for one dot path: plain dicts are read directly."""
    head, *parts = path.split(".")
    rest = ".".join(parts)

    def read(context: Mapping[str, Any]) -> Any:
        value = context[head]  # a KeyError here names the unknown variable
        for part in parts:
            if value.__class__ is not dict:
                return _lookup(context, path)
            value = value.get(part, _MISSING)
            if value is _MISSING:
                raise TemplateError(
                    path, tuple(context), f"template variable {head!r} has no {rest!r}"
                )
        if value.__class__ in _SCALAR_CLASSES:
            return value
        return _data(value, path)

    return read


def _plain(value: Any) -> Any:
    """A variable's value as plain, unshared data (mappings to dicts, sequences to lists)."""
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, _Code):
        raise value.refuse()
    if callable(value):
        raise TemplateError(
            getattr(value, "__name__", "?"), (),
            "a template substitutes data only, and this variable holds a callable",
        )
    return value


class _Code:
    """Stands for a variable that holds a callable, in a template's context: it cannot be
    rendered, neither whole nor inside a string, and is never called."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def refuse(self) -> TemplateError:
        return TemplateError(
            self.name, (),
            f"template variable {self.name!r} is a callable: a template substitutes data only",
        )

    def __str__(self) -> str:
        raise self.refuse()

    __repr__ = __format__ = __str__  # type: ignore[assignment]


def data_only(variables: Mapping[str, Any]) -> dict[str, Any]:
    """``variables`` for a template's context: a callable becomes a stand-in that refuses to
    be rendered (at no cost per render; a plan's own templates are checked earlier by
    :mod:`scenario_engine.template_rules`)."""
    return {
        name: _Code(name) if callable(value) and not isinstance(value, _SCALARS) else value
        for name, value in variables.items()
    }


def _text(value: Any) -> str:
    """A variable's value inside a longer string: ``str()`` of data, never of a callable."""
    if value.__class__ is str:
        return value
    return str(_plain(value))


# --------------------------------------------------------------------------- interpreter


def render(template: Any, context: Mapping[str, Any]) -> Any:
    """Render ``template`` once with ``context``; see :func:`compile_template` for reuse.

    Raises:
        TemplateError: a placeholder names a variable ``context`` lacks.
    """
    return _render(template, context, True)


def _render(node: Any, context: Mapping[str, Any], substitute: bool) -> Any:
    if isinstance(node, str):
        return _render_str(node, context) if substitute else node
    if isinstance(node, Mapping):
        return {
            str(_render(k, context, substitute)) if isinstance(k, str) else k:
            _render(v, context, substitute)
            for k, v in node.items()
        }
    if isinstance(node, list | tuple):
        return [_render(v, context, substitute) for v in node]
    return node


def _render_str(text: str, context: Mapping[str, Any]) -> Any:
    whole = _PLACEHOLDER.fullmatch(text)
    if whole is not None:
        return _plain(_lookup(context, whole.group(1)))
    if "{{" not in text:
        return text
    return _PLACEHOLDER.sub(lambda m: _text(_lookup(context, m.group(1))), text)


# --------------------------------------------------------------------------- compiler


def compile_template(template: Any, *, substitute: bool = True) -> Renderer:
    """Turn ``template`` into a fast ``render(context)`` function.

    With ``substitute=False`` strings are taken literally: the function then
    only produces a fresh plain copy of ``template`` (a constant payload).
    An immutable scalar template returns itself without any copying.

    The function raises :class:`TemplateError` when the context lacks a
    variable the template names.
    """
    if isinstance(template, _SCALARS) and not (
        substitute and isinstance(template, str) and _PLACEHOLDER.search(template)
    ):
        return lambda context: template
    if _depth(template) > _MAX_COMPILED_DEPTH:
        return lambda context: _render(template, context, substitute)
    builder = _Builder(substitute)
    expression = builder.expr(template)
    source = (
        "def render(c):\n"
        "    try:\n"
        f"        return {expression}\n"
        "    except TemplateError:\n"
        "        raise\n"
        "    except KeyError as err:\n"
        "        raise _unknown(err, c) from None\n"
    )
    namespace: dict[str, Any] = {
        **builder.constants,
        "TemplateError": TemplateError,
        "_unknown": _unknown,
        "_plain": _plain,
    }
    # only the template's shape is code here; every value arrives via repr() or a name
    exec(compile(source, "<template>", "exec"), namespace)  # noqa: S102
    renderer: Renderer = namespace["render"]
    return renderer


def _unknown(err: KeyError, context: Mapping[str, Any]) -> TemplateError:
    name = err.args[0] if err.args else "?"
    return TemplateError(str(name), tuple(context))


def _depth(node: Any) -> int:
    if isinstance(node, Mapping):
        return 1 + max((_depth(v) for v in node.values()), default=0)
    if isinstance(node, list | tuple):
        return 1 + max((_depth(v) for v in node), default=0)
    return 0


class _Builder:
    """Writes the Python expression that builds a template's output."""

    def __init__(self, substitute: bool) -> None:
        self.substitute = substitute
        self.constants: dict[str, Any] = {}

    def constant(self, value: Any) -> str:
        name = f"_k{len(self.constants)}"
        self.constants[name] = value
        return name

    def expr(self, node: Any) -> str:
        if isinstance(node, str):
            return self.string(node) if self.substitute else repr(node)
        if isinstance(node, bool | int) or node is None:
            return repr(node)
        if isinstance(node, float):
            return repr(node) if math.isfinite(node) else self.constant(node)
        if isinstance(node, Mapping):
            items = []
            for key, value in node.items():
                key_expr = self.key(key)
                items.append(f"{key_expr}: {self.expr(value)}")
            return "{" + ", ".join(items) + "}"
        if isinstance(node, list | tuple):
            return "[" + ", ".join(self.expr(v) for v in node) + "]"
        return self.constant(node)

    def key(self, key: Any) -> str:
        if not isinstance(key, str):
            return self.constant(key)
        if not self.substitute or "{{" not in key:
            return repr(key)
        whole = _PLACEHOLDER.fullmatch(key)
        if whole is not None:  # a key is always a string, even from one placeholder
            return f"str({self.variable(whole.group(1))})"
        return self.string(key)

    def variable(self, path: str) -> str:
        if "." in path:
            return f"{self.constant(_path_reader(path))}(c)"
        return f"c[{path!r}]"

    def string(self, text: str) -> str:
        whole = _PLACEHOLDER.fullmatch(text)
        if whole is not None:
            return f"_plain({self.variable(whole.group(1))})"
        # adjacent literals compile to one BUILD_STRING: 'o-' f"{c['index']!s}" '-x'
        parts: list[str] = []
        position = 0
        for match in _PLACEHOLDER.finditer(text):
            if match.start() > position:
                parts.append(repr(text[position : match.start()]))
            parts.append('f"{' + self.variable(match.group(1)) + '!s}"')
            position = match.end()
        if not parts:
            return repr(text)
        if position < len(text):
            parts.append(repr(text[position:]))
        return "(" + " ".join(parts) + ")"
