"""``report.html``: one self-contained page a person wants to open after a run.

Verdict first; then each assertion with the events that show it; steps; chaos
with how often each action fired; and a timeline of events per topic read
from the event log (binned, so a million events still draw instantly).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path

import orjson

from scenario_engine.report.model import RunResult

__all__ = ["HtmlReporter", "render_html"]

_BINS = 60
_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;color:#1d2330;
padding:0 1rem}
h1{font-size:1.4rem;margin:0 0 .3rem} h2{font-size:1.1rem;margin:1.8rem 0 .5rem}
.verdict{display:inline-block;padding:.1rem .6rem;border-radius:.3rem;color:#fff;font-weight:600}
.passed{background:#2f855a} .failed,.error{background:#c53030} .interrupted{background:#b7791f}
.muted{color:#5a6475} table{border-collapse:collapse;width:100%}
td,th{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #e3e7ee;vertical-align:top}
code,pre{font:12px/1.4 ui-monospace,monospace} pre{margin:.2rem 0;white-space:pre-wrap}
.ok{color:#2f855a;font-weight:600} .bad{color:#c53030;font-weight:600}
svg{display:block} .lane{fill:#3b6fb6}
"""


def _e(value: object) -> str:
    return html.escape(str(value))


def _timeline(result: RunResult) -> dict[str, list[int]]:
    """Events per topic in ``_BINS`` equal slices of the run's clock time."""
    if not result.events_path or not Path(result.events_path).exists():
        return {}
    span = max(result.virtual_duration, 1e-9)
    lanes: dict[str, list[int]] = {}
    with Path(result.events_path).open("rb") as log:
        for line in log:
            if not line.endswith(b"\n"):
                break
            event = orjson.loads(line)
            if event.get("status") in ("dropped", "held"):  # not deliveries
                continue
            slot = min(int(event["t"] / span * _BINS), _BINS - 1)
            lanes.setdefault(event["topic"], [0] * _BINS)[slot] += 1
    return dict(sorted(lanes.items()))


def _sparkline(counts: list[int]) -> str:
    peak = max(counts) or 1
    width, height = 6, 28
    bars = "".join(
        f'<rect class="lane" x="{i * width}" y="{height - c / peak * height:.1f}" '
        f'width="{width - 1}" height="{c / peak * height:.1f}"><title>{c}</title></rect>'
        for i, c in enumerate(counts)
        if c
    )
    return f'<svg width="{len(counts) * width}" height="{height}">{bars}</svg>'


def _rows(cells: Iterable[Iterable[str]]) -> str:
    return "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in cells)


def render_html(result: RunResult) -> str:
    """The page for one run."""
    head = (
        f"<!doctype html><html lang=en><meta charset=utf-8><title>{_e(result.name)}</title>"
        f"<style>{_STYLE}</style>"
    )
    title = (
        f"<h1>{_e(result.name)} <span class='verdict {result.status}'>"
        f"{_e(result.status.upper())}</span></h1>"
    )
    held = f" ({result.events_held} held by chaos)" if result.events_held else ""
    facts = (
        f"<p class=muted>seed {result.seed} · {_e(result.bus)} · {result.clock} clock · "
        f"{result.events_recorded} delivered{held}, {result.events_dropped} dropped · "
        f"{result.virtual_duration:.3f}s clock time in {result.wall_duration:.2f}s</p>"
    )
    parts = [head, title, facts]
    if result.replay and not result.passed:
        parts.append(f"<p>Replay: <code>{_e(result.replay)}</code></p>")
    if result.error:
        parts.append(f"<p class=bad>{_e(result.error)}</p>")
    parts.append(
        "<h2>Assertions</h2><table><tr><th></th><th>assertion</th><th>expected</th>"
        "<th>actual</th><th>events</th></tr>"
    )
    parts.append(
        _rows(
            (
                "<span class=ok>held</span>" if a.passed else "<span class=bad>failed</span>",
                f"<code>{_e(a.label)}</code>"
                + (
                    f"<br><span class=muted>checkpoint {_e(a.checkpoint)}</span>"
                    if a.checkpoint
                    else ""
                ),
                _e(a.expected),
                _e(a.actual),
                "".join(f"<pre>{_e(w)}</pre>" for w in a.witnesses),
            )
            for a in result.assertions
        )
    )
    parts.append(
        "</table><h2>Steps</h2><table><tr><th>#</th><th>step</th><th>status</th>"
        "<th>clock</th><th>detail</th></tr>"
    )
    parts.append(
        _rows(
            (
                str(s.index) if s.index >= 0 else "",
                f"{_e(s.kind)} <code>{_e(s.name)}</code>",
                f"<span class={'ok' if s.status == 'passed' else 'bad'}>{_e(s.status)}</span>",
                f"{s.started:.3f}s → {s.ended:.3f}s",
                _e(s.message) + (f"<pre>{_e(s.detail)}</pre>" if s.detail else ""),
            )
            for s in result.steps
        )
    )
    parts.append("</table>")
    if result.chaos:
        parts.append(
            "<h2>Chaos</h2><table><tr><th>action</th><th>effect</th><th>applied</th>"
            "<th>matched</th><th>from</th></tr>"
        )
        parts.append(
            _rows(
                (
                    f"<code>{_e(c.label)}</code>",
                    _e(c.effect),
                    str(c.applied),
                    str(c.matched),
                    _e(
                        " · ".join(
                            x for x in (c.origin, f"during {c.during}" if c.during else None) if x
                        )
                    ),
                )
                for c in result.chaos
            )
        )
        parts.append("</table>")
    lanes = _timeline(result)
    if lanes:
        parts.append(
            f"<h2>Timeline</h2><p class=muted>events per topic over "
            f"{result.virtual_duration:.3f}s of clock time, in {_BINS} slices</p><table>"
        )
        parts.append(
            _rows(
                (f"<code>{_e(topic)}</code>", str(sum(counts)), _sparkline(counts))
                for topic, counts in lanes.items()
            )
        )
        parts.append("</table>")
    if result.generators:
        parts.append("<h2>Generators</h2><table>")
        parts.append(
            _rows(
                (
                    f"<code>{_e(topic)}</code>",
                    _e(", ".join(f"{k}={v}" for k, v in summary.items() if k != "topic")),
                )
                for topic, summary in result.generators.items()
            )
        )
        parts.append("</table>")
    return "".join(parts) + "</html>\n"


class HtmlReporter:
    """Reporter plugin: writes ``report.html`` under the run's directory."""

    def report(self, result: RunResult, directory: Path) -> Path | None:
        path = directory / "report.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_html(result), encoding="utf-8")
        return path
