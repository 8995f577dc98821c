"""``report.html``: one self-contained page a person wants to open after a run.

Verdict, seed and replay command first; then the timeline (event rate per
topic over clock time, phases as bands, each chaos action's applications as
markers in its own colour, failures marked when they were seen, one click
from their witness events); latency charts for every ``Within``; the
assertion, chaos and step tables. Charts are inline SVG and the page loads
nothing from anywhere (see :mod:`scenario_engine.report.svg`). With several
scenarios, :meth:`HtmlReporter.suite` writes an ``index.html`` linking them.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from scenario_engine.report.model import AssertionResult, RunResult
from scenario_engine.report.svg import PALETTE, histogram, latency_over_time, timeline_chart
from scenario_engine.report.timeline import read_timeline

__all__ = ["HtmlReporter", "render_html", "render_suite"]

_STYLE = """
*{box-sizing:border-box} body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:90rem;
color:#1d2330;padding:1rem 1.2rem 3rem}
h1{font-size:1.45rem;margin:.2rem 0} h2{font-size:1.12rem;margin:1.8rem 0 .5rem}
.verdict{display:inline-block;padding:.05rem .6rem;border-radius:.3rem;color:#fff;font-size:.95rem;
font-weight:600;vertical-align:middle}
.passed{background:#2f855a} .failed,.error{background:#c53030} .interrupted{background:#b7791f}
.muted{color:#5a6475} .ok{color:#2f855a;font-weight:600} .bad{color:#c53030;font-weight:600}
.scroll{overflow-x:auto} table{border-collapse:collapse;width:100%;min-width:32rem}
td,th{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e3e7ee;vertical-align:top}
code,pre{font:12.5px/1.4 ui-monospace,monospace} pre{margin:.15rem 0;white-space:pre-wrap;
word-break:break-word} .replay{background:#f1f3f5;padding:.5rem .7rem;border-radius:.3rem;
overflow-x:auto}
.chart{width:100%;height:auto;display:block;background:#fff;border:1px solid #e3e7ee;
border-radius:.3rem} .chart text{font:12px system-ui,sans-serif;fill:#343a40}
.rate{fill:#3b6fb6} .phase-name{font-weight:600} .axis{fill:#5a6475}
.failure-marker line{stroke:#c53030;stroke-width:2;stroke-dasharray:4 3}
.failure-marker text{fill:#c53030;font-weight:600}
.latency-histogram rect{fill:#5f3dc4} .p50{stroke:#1864ab;fill:none;stroke-width:2}
.p95{stroke:#d9480f;fill:none;stroke-width:2}
.legend{display:flex;flex-wrap:wrap;gap:.3rem 1rem;margin:.4rem 0;font-size:13px}
.swatch{display:inline-block;width:.8rem;height:.8rem;border-radius:50%;margin-right:.3rem;
vertical-align:-.1rem} .failure{border-left:4px solid #c53030;padding:.2rem .8rem;margin:.6rem 0}
#timeline{min-width:44rem}
.within{display:grid;grid-template-columns:repeat(auto-fit,minmax(20rem,1fr));gap:.8rem}
@media (max-width:40rem){body{font-size:14px;padding:.6rem} h1{font-size:1.2rem}}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _table(head: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    header = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<div class=scroll><table><tr>{header}</tr>{body}</table></div>"


def _facts(result: RunResult) -> str:
    held = result.events_held
    return (
        f"<p class=muted>seed {result.seed} · {_e(result.bus)} · {_e(result.clock)} clock · "
        f"{result.events_recorded} delivered, {result.events_dropped} dropped"
        + (f", {held} held and released" if held else "")
        + f" · {result.virtual_duration:.3f}s clock time in {result.wall_duration:.2f}s</p>"
    )


def _legend(labels: Iterable[str], counts: dict[str, int]) -> str:
    items = "".join(
        f'<span><span class=swatch style="background:{PALETTE[i % len(PALETTE)]}"></span>'
        f"<code>{_e(label)}</code> x{counts.get(label, 0)}</span>"
        for i, label in enumerate(labels)
    )
    return f"<div class=legend id=chaos-legend>{items}</div>" if items else ""


def _failure(index: int, assertion: AssertionResult) -> str:
    when = f" at {assertion.at:.3f}s" if assertion.at is not None else ""
    witnesses = (
        "".join(f'<pre id="event-{w.seq}">{_e(w)}</pre>' for w in assertion.witnesses)
        or "<p class=muted>no witness events</p>"
    )
    return (
        f'<div class=failure id="failure-{index}"><p class=bad><code>{_e(assertion.label)}</code>'
        f" failed{when}</p><p>expected: {_e(assertion.expected)}<br>actual: "
        f"{_e(assertion.actual)}</p><details open><summary>witness events "
        f"({len(assertion.witnesses)})</summary>{witnesses}</details></div>"
    )


def _latency(result: RunResult, span: float) -> str:
    cards = []
    for assertion in result.assertions:
        if not assertion.label.startswith("Within("):
            continue
        stats: dict[str, Any] = dict(assertion.stats)
        series = [tuple(p) for p in stats.get("series", ())]
        numbers = " · ".join(
            f"{name} {stats[f'{name}_ms']:g}ms"
            for name in ("p50", "p95", "p99", "max")
            if isinstance(stats.get(f"{name}_ms"), int | float)
        )
        charts = histogram([ms for _, ms in series])
        over_time = latency_over_time(series, span)
        if over_time:
            charts += (
                "<p class=muted>p50 <span class=swatch style='background:#1864ab'></span> and "
                "p95 <span class=swatch style='background:#d9480f'></span> over clock time</p>"
                + over_time
            )
        cards.append(
            f'<div class="latency-chart"><p><code>{_e(assertion.label)}</code><br>'
            f"<span class=muted>{stats.get('count', 0)} pair(s) · {numbers}</span></p>"
            + (charts or "<p class=muted>no pairs were measured</p>")
            + "</div>"
        )
    return f"<h2>Latency</h2><div class=within>{''.join(cards)}</div>" if cards else ""


def render_html(result: RunResult) -> str:
    """The page for one run."""
    timeline = read_timeline(result)
    parts = [
        (
            f"<!doctype html><html lang=en><head><meta charset=utf-8>"
            f'<meta name=viewport content="width=device-width,initial-scale=1">'
            f"<title>{_e(result.name)}: {_e(result.status)}</title><style>{_STYLE}</style>"
            f"</head><body><h1>{_e(result.name)} <span class='verdict {_e(result.status)}'>"
            f"{_e(result.status.upper())}</span></h1>"
        ),
        _facts(result),
    ]
    if result.replay:
        parts.append(f"<p>Replay:</p><pre class=replay>{_e(result.replay)}</pre>")
    if result.error:
        parts.append(f"<p class=bad>{_e(result.error)}</p>")
    parts.append(
        "<h2>Timeline</h2><p class=muted>events per topic over clock time; phases as "
        "bands; chaos applications as dots, one colour per action; failures as red "
        "lines (click one for its events)</p>"
    )
    parts.append(_legend(timeline.chaos, timeline.chaos_counts))
    parts.append(f"<div class=scroll>{timeline_chart(timeline)}</div>")
    failures = [(i, a) for i, a in enumerate(result.assertions) if not a.passed]
    if failures:
        parts.append("<h2>Failures</h2>" + "".join(_failure(i, a) for i, a in failures))
    parts.append(_latency(result, timeline.span))
    parts.append("<h2>Assertions</h2>")
    if result.assertions:
        parts.append(
            _table(
                ("", "assertion", "expected", "actual"),
                (
                    (
                        "<span class=ok>held</span>"
                        if a.passed
                        else f'<a class=bad href="#failure-{i}">failed</a>',
                        f"<code>{_e(a.label)}</code>"
                        + (
                            f"<br><span class=muted>checkpoint {_e(a.checkpoint)}</span>"
                            if a.checkpoint
                            else ""
                        ),
                        _e(a.expected),
                        _e(a.actual),
                    )
                    for i, a in enumerate(result.assertions)
                ),
            )
        )
    else:
        parts.append("<p class=muted>this scenario states no assertions</p>")
    if result.chaos:
        parts.append(
            "<h2>Chaos</h2>"
            + _table(
                ("action", "effect", "applied", "matched", "from"),
                (
                    (
                        f"<code>{_e(c.label)}</code>",
                        _e(c.effect),
                        str(c.applied) + (f" ({c.inbound} inbound)" if c.inbound else ""),
                        "never matched" if c.never_matched else str(c.matched),
                        _e(
                            " · ".join(
                                x
                                for x in (c.origin, f"during {c.during}" if c.during else None)
                                if x
                            )
                        ),
                    )
                    for c in result.chaos
                ),
            )
        )
    parts.append(
        "<h2>Steps</h2>"
        + _table(
            ("#", "step", "status", "clock", "detail"),
            (
                (
                    str(s.index) if s.index >= 0 else "",
                    f"{_e(s.kind)} <code>{_e(s.name)}</code>",
                    f"<span class={'ok' if s.status == 'passed' else 'bad'}>{_e(s.status)}</span>",
                    f"{s.started:.3f}s → {s.ended:.3f}s",
                    _e(s.message) + (f"<pre>{_e(s.detail)}</pre>" if s.detail else ""),
                )
                for s in result.steps
            ),
        )
    )
    if timeline.lanes:
        parts.append(
            "<h2>Topics</h2>"
            + _table(
                ("topic", "events"),
                ((f"<code>{_e(t)}</code>", str(sum(c))) for t, c in timeline.lanes.items()),
            )
        )
    if result.generators:
        parts.append(
            "<h2>Generators</h2>"
            + _table(
                ("generator", "summary"),
                (
                    (
                        f"<code>{_e(name)}</code>",
                        _e(", ".join(f"{k}={v}" for k, v in summary.items() if k != "topic")),
                    )
                    for name, summary in result.generators.items()
                ),
            )
        )
    return "".join(parts) + "</body></html>\n"


def render_suite(pages: Sequence[tuple[RunResult, Path]], base: Path) -> str:
    """``index.html`` for several runs: each scenario's verdict, linking its page."""
    rows = []
    for result, page in pages:
        link = os.path.relpath(page, base)
        failed = sum(not a.passed for a in result.assertions)
        rows.append(
            (
                f"<span class='verdict {_e(result.status)}'>{_e(result.status.upper())}</span>",
                f'<a href="{_e(link)}">{_e(result.name)}</a>',
                str(result.seed),
                f"{failed} of {len(result.assertions)} failed" if result.assertions else "none",
                f"{result.events_recorded}",
            )
        )
    passed = sum(r.passed for r, _ in pages)
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8>"
        f'<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>suite: {passed} of {len(pages)} passed</title><style>{_STYLE}</style></head>"
        f"<body><h1>Suite <span class='verdict {'passed' if passed == len(pages) else 'failed'}'>"
        f"{passed} of {len(pages)} passed</span></h1>"
        + _table(("verdict", "scenario", "seed", "assertions", "events"), rows)
        + "</body></html>\n"
    )


class HtmlReporter:
    """Reporter plugin: ``report.html`` in each run's directory; ``index.html`` for a suite."""

    def __init__(self) -> None:
        self.pages: list[tuple[RunResult, Path]] = []

    def report(self, result: RunResult, directory: Path) -> Path | None:
        path = directory / "report.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_html(result), encoding="utf-8")
        self.pages.append((result, path))
        return path

    def suite(self, base: Path) -> Path | None:
        """The suite page under ``base`` when several runs were reported."""
        if len(self.pages) < 2:
            return None
        path = base / "index.html"
        path.write_text(render_suite(self.pages, base), encoding="utf-8")
        return path
