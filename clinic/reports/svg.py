"""Server-rendered SVG charts for the progress page: a goal's metric over weeks, its target
line and its due date. Plain SVG (no script, no CDN), so it prints and works offline.
"""

from __future__ import annotations

from datetime import date
from html import escape

from clinic.reports.model import Goal, Measurement

W, H = 520, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 28, 34


def _scale(value: float, lo: float, hi: float, out_lo: float, out_hi: float) -> float:
    return out_lo if hi == lo else out_lo + (value - lo) * (out_hi - out_lo) / (hi - lo)


def goal_chart_svg(
    goal: Goal, series: list[Measurement], *, start: date, norm: tuple[float, str] | None = None
) -> str:
    """An SVG chart; elements carry ``data-role`` (series, point, target-line, due-line, norm-line)
    for tests. ``norm``: the published norm or cut-off of an outcome test for this patient (value,
    the statement with its source), drawn as a line."""
    weeks = [(m.measured_on - start).days / 7 for m in series]
    due_week = (goal.due_date - start).days / 7
    values = (
        [m.value for m in series]
        + [goal.target]
        + ([goal.baseline] if goal.baseline is not None else [])
        + ([norm[0]] if norm is not None else [])
    )
    x_lo, x_hi = 0.0, max([*weeks, due_week, 1.0]) + 0.5
    pad = (max(values) - min(values)) * 0.15 or 1.0
    y_lo, y_hi = min(values) - pad, max(values) + pad

    def x(w: float) -> float:
        return _scale(w, x_lo, x_hi, LEFT, W - RIGHT)

    def y(v: float) -> float:
        return _scale(v, y_lo, y_hi, H - BOTTOM, TOP)

    parts = [
        f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" data-metric="{escape(goal.metric)}" '
        f'aria-label="{escape(goal.label)} over weeks with target {goal.comparator} {goal.target:g}">',
        f'<text x="{LEFT}" y="16" class="chart-title">{escape(goal.label)} ({escape(goal.unit)})</text>',
    ]
    for i in range(5):  # horizontal grid with values
        v = y_lo + (y_hi - y_lo) * i / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" class="grid"/>'
            f'<text x="{LEFT - 6}" y="{y(v) + 3:.1f}" class="axis" text-anchor="end">{v:.3g}</text>'
        )
    for wk in range(0, int(x_hi) + 1, max(1, int(x_hi) // 8)):
        parts.append(
            f'<text x="{x(wk):.1f}" y="{H - BOTTOM + 14}" class="axis" text-anchor="middle">{wk}</text>'
        )
    parts.append(
        f'<text x="{(LEFT + W - RIGHT) / 2}" y="{H - 4}" class="axis" text-anchor="middle">'
        "weeks since start of care</text>"
    )
    parts.append(
        f'<line data-role="target-line" x1="{LEFT}" x2="{W - RIGHT}" y1="{y(goal.target):.1f}" '
        f'y2="{y(goal.target):.1f}" class="target"/>'
        f'<text x="{W - RIGHT}" y="{y(goal.target) - 4:.1f}" class="target-label" text-anchor="end">'
        f"target {escape(goal.comparator)} {goal.target:g}</text>"
    )
    if norm is not None:
        parts.append(
            f'<line data-role="norm-line" x1="{LEFT}" x2="{W - RIGHT}" y1="{y(norm[0]):.1f}" '
            f'y2="{y(norm[0]):.1f}" class="norm"><title>{escape(norm[1])}</title></line>'
            f'<text x="{LEFT + 4}" y="{y(norm[0]) - 4:.1f}" class="norm-label">published norm {norm[0]:g}</text>'
        )
    parts.append(
        f'<line data-role="due-line" x1="{x(due_week):.1f}" x2="{x(due_week):.1f}" y1="{TOP}" '
        f'y2="{H - BOTTOM}" class="due"/><text x="{x(due_week) - 3:.1f}" y="{H - BOTTOM - 4}" class="axis" '
        f'text-anchor="end">due {goal.due_date:%b %d}</text>'
    )
    if series:
        points = " ".join(f"{x(w):.1f},{y(m.value):.1f}" for w, m in zip(weeks, series, strict=True))
        parts.append(f'<polyline data-role="series" points="{points}" class="series"/>')
        parts += [
            f'<circle data-role="point" cx="{x(w):.1f}" cy="{y(m.value):.1f}" r="3" class="point">'
            f"<title>{m.measured_on}: {m.value:g} {escape(m.unit)}</title></circle>"
            for w, m in zip(weeks, series, strict=True)
        ]
    parts.append("</svg>")
    return "".join(parts)
