"""Inline SVG charts for the HTML report: no scripts, no fonts, no network.

Every chart scales with its container (``viewBox`` and ``width: 100%``), so
the same markup reads at 1,400 px and on a phone.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from scenario_engine.report.timeline import SLICES, Timeline

__all__ = ["PALETTE", "histogram", "latency_over_time", "timeline_chart"]

#: one colour per chaos action, in the order of the legend
PALETTE = ("#d9480f", "#5f3dc4", "#0b7285", "#c2255c", "#2b8a3e", "#e67700", "#1864ab", "#862e9c")
_W = 1000  # the drawing width in viewBox units
_LEFT = 150  # room for topic names
_LANE = 34
_TOP = 46  # phase names and chaos markers above the lanes


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _x(t: float, span: float) -> float:
    return _LEFT + (_W - _LEFT - 10) * min(max(t / span, 0.0), 1.0)


def timeline_chart(data: Timeline) -> str:
    """Event rate per topic over clock time, with phase bands, chaos and failure markers."""
    lanes = list(data.lanes.items())
    height = _TOP + _LANE * max(len(lanes), 1) + 24
    parts = [
        (
            f'<svg id="timeline" class="chart" viewBox="0 0 {_W} {height}" role="img" '
            f'aria-label="events per topic over clock time">'
        )
    ]
    for i, (name, start, end) in enumerate(data.phases):
        x0, x1 = _x(start, data.span), _x(end, data.span)
        parts.append(
            f'<g class="phase-band"><rect x="{x0:.1f}" y="14" width="{max(x1 - x0, 1):.1f}" '
            f'height="{height - 38}" fill="{"#edf2ff" if i % 2 == 0 else "#f8f9fa"}"/>'
            f'<text x="{x0 + 4:.1f}" y="26" class="phase-name">{_e(name)}</text>'
            f"<title>phase {_e(name)}: {start:.3f}s to {end:.3f}s</title></g>"
        )
    for row, (topic, counts) in enumerate(lanes):
        y = _TOP + row * _LANE
        peak = max(counts) or 1
        width = (_W - _LEFT - 10) / SLICES
        parts.append(f'<text x="4" y="{y + _LANE / 2 + 4:.1f}" class="topic">{_e(topic)}</text>')
        for slot, count in enumerate(counts):
            if count:
                h = (_LANE - 6) * count / peak
                parts.append(
                    f'<rect class="rate" x="{_LEFT + slot * width:.1f}" '
                    f'y="{y + _LANE - 3 - h:.1f}" '
                    f'width="{max(width - 0.6, 0.6):.2f}" height="{h:.1f}">'
                    f"<title>{_e(topic)}: {count} event(s)</title></rect>"
                )
    for index, (label, times) in enumerate(data.chaos.items()):
        colour = PALETTE[index % len(PALETTE)]
        marks = "".join(
            f'<circle cx="{_x(t, data.span):.1f}" cy="{36 + (index % 3) * 4}" r="2.6"/>'
            for t in times
        )
        parts.append(
            f'<g class="chaos-marker" data-action="{_e(label)}" fill="{colour}">'
            f"<title>{_e(label)}: applied x{data.chaos_counts.get(label, 0)}</title>{marks}</g>"
        )
    for index, label, at in data.failures:
        x = _x(at, data.span)
        parts.append(
            f'<a href="#failure-{index}" class="failure-marker"><rect class="hit" '
            f'x="{x - 7:.1f}" y="12" width="14" height="{height - 34}" fill="transparent"/>'
            f'<line x1="{x:.1f}" y1="12" x2="{x:.1f}" y2="{height - 22}"/>'
            f'<text x="{min(x + 3, _W - 110):.1f}" y="{height - 10}">failed at {at:.3f}s</text>'
            f"<title>{_e(label)} failed at {at:.3f}s</title></a>"
        )
    parts.append(
        f'<text x="{_LEFT}" y="{height - 2}" class="axis">0s</text>'
        f'<text x="{_W - 10}" y="{height - 2}" class="axis" text-anchor="end">'
        f"{data.span:.3f}s</text></svg>"
    )
    return "".join(parts)


def histogram(values_ms: Sequence[float], *, bins: int = 24) -> str:
    """A histogram of latencies (ms) with the share of pairs per bar."""
    if not values_ms:
        return ""
    low, high = min(values_ms), max(values_ms)
    width = (high - low) / bins or 1.0
    counts = [0] * bins
    for value in values_ms:
        counts[min(int((value - low) / width), bins - 1)] += 1
    peak = max(counts)
    bar = (_W - 20) / bins
    rects = "".join(
        f'<rect x="{10 + i * bar:.1f}" y="{150 - 130 * c / peak:.1f}" width="{bar - 2:.1f}" '
        f'height="{130 * c / peak:.1f}"><title>{low + i * width:.1f} to {low + (i + 1) * width:.1f}'
        f"ms: {c} pair(s)</title></rect>"
        for i, c in enumerate(counts)
        if c
    )
    return (
        f'<svg class="chart latency-histogram" viewBox="0 0 {_W} 175" role="img" '
        f'aria-label="latency histogram">{rects}<text x="10" y="170" class="axis">'
        f'{low:.1f}ms</text><text x="{_W - 10}" y="170" class="axis" text-anchor="end">'
        f"{high:.1f}ms</text></svg>"
    )


def latency_over_time(series: Sequence[tuple[float, float]], span: float) -> str:
    """p50 and p95 of the latencies in slices of clock time, as two lines."""
    if len(series) < 2:
        return ""
    slices = 30
    buckets: list[list[float]] = [[] for _ in range(slices)]
    for t, ms in series:
        buckets[min(int(t / max(span, 1e-9) * slices), slices - 1)].append(ms)
    peak = max(ms for _, ms in series) or 1.0
    lines = []
    for q, css in ((0.5, "p50"), (0.95, "p95")):
        points = []
        for i, bucket in enumerate(buckets):
            if bucket:
                ordered = sorted(bucket)
                value = ordered[min(len(ordered) - 1, int(q * len(ordered)))]
                points.append(
                    f"{10 + (i + 0.5) * (_W - 20) / slices:.1f},{150 - 130 * value / peak:.1f}"
                )
        lines.append(
            f'<polyline class="{css}" points="{" ".join(points)}"><title>{css}</title></polyline>'
        )
    return (
        f'<svg class="chart latency-over-time" viewBox="0 0 {_W} 175" role="img" '
        f'aria-label="latency percentiles over time">{"".join(lines)}'
        f'<text x="10" y="170" class="axis">0s</text><text x="{_W - 10}" y="170" class="axis" '
        f'text-anchor="end">{span:.3f}s · top {peak:.1f}ms</text></svg>'
    )
