"""Bland-Altman plots of one metric: each pair's difference (measured - reference) against the
mean of the two (for event instants, whose mean says nothing, against the case), with the bias and the 95 % limits of agreement as horizontal lines (Bland &
Altman 1986). The same geometry drawn twice: inline SVG for the HTML report and page (no
script, prints and works offline, as :mod:`clinic.reports.svg`) and a reportlab drawing for
the PDF (as :mod:`clinic.reports.charts`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Any

from reportlab.graphics.shapes import Circle, Drawing, Line, String
from reportlab.lib import colors

W, H = 520, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 96, 26, 38
POINT = "#1f6f8b"
BIAS = "#b42318"
LIMIT = "#b54708"
MUTED = "#667085"


@dataclass(frozen=True)
class _Frame:
    x_lo: float
    x_hi: float
    y_lo: float
    y_hi: float

    def x(self, v: float) -> float:
        span = self.x_hi - self.x_lo
        return LEFT + (W - LEFT - RIGHT) * (0.5 if span == 0 else (v - self.x_lo) / span)

    def y(self, v: float) -> float:
        """Downwards, as SVG draws."""
        span = self.y_hi - self.y_lo
        return TOP + (H - TOP - BOTTOM) * (0.5 if span == 0 else (self.y_hi - v) / span)


def _points(metric: dict[str, Any]) -> list[tuple[float, float]]:
    """(x, difference) per pair: x the mean of the two methods, or for instants the case number
    (1-based, as the tables number cases) spread a little so equal differences stay visible."""
    if not metric.get("plot_by_case"):
        return [(p["mean"], p["difference"]) for row in metric["cases"] for p in row["pairs"]]
    out = []
    for i, row in enumerate(metric["cases"], start=1):
        n = len(row["pairs"])
        out += [
            (i + (0.0 if n < 2 else 0.3 * (k / (n - 1) - 0.5)), p["difference"])
            for k, p in enumerate(row["pairs"])
        ]
    return out


def _x_ticks(metric: dict[str, Any], f: _Frame) -> list[tuple[float, str]]:
    if metric.get("plot_by_case"):
        return [(float(i), str(i)) for i in range(1, len(metric["cases"]) + 1)]
    return [(v, _tick_text(v)) for v in _ticks(f.x_lo, f.x_hi)]


def _title(metric: dict[str, Any]) -> str:
    against = "by case" if metric.get("plot_by_case") else "against the mean"
    return f"{metric['label']}: difference {against} ({metric['unit']})"


def _x_title(metric: dict[str, Any]) -> str:
    if metric.get("plot_by_case"):
        return "case (numbered as in the table)"
    return f"mean of product and reference ({metric['unit']})"


def _frame(metric: dict[str, Any]) -> tuple[_Frame, list[tuple[float, float]], list[tuple[str, float]]]:
    points = _points(metric)
    s = metric["pooled"] or {}
    lines = [("bias", s["bias"])] if "bias" in s else []
    # With SD 0 the limits lie on the bias line: drawn once.
    if s.get("loa_low") is not None and s.get("sd"):
        lines += [("-1.96 SD", s["loa_low"]), ("+1.96 SD", s["loa_high"])]
    xs = [x for x, _ in points] or [0.0]
    if metric.get("plot_by_case"):
        xs += [1.0, float(len(metric["cases"]))]
    ys = [y for _, y in points] + [v for _, v in lines] + [0.0]
    x_pad = 0.6 if metric.get("plot_by_case") else (max(xs) - min(xs)) * 0.05 or 1.0
    y_pad = (max(ys) - min(ys)) * 0.12 or 1.0
    return _Frame(min(xs) - x_pad, max(xs) + x_pad, min(ys) - y_pad, max(ys) + y_pad), points, lines


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round values (1, 2 or 5 times a power of ten apart) inside ``lo``..``hi``."""
    span = hi - lo
    if not span > 0:
        return [lo]
    raw = span / (n - 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step) * step
    return [round(first + i * step, 10) for i in range(int((hi - first) / step + 1e-9) + 1)]


def _tick_text(v: float) -> str:
    return f"{v:.10g}" if v != 0 else "0"


def bland_altman_svg(metric: dict[str, Any]) -> str:
    """The plot as an ``<svg>`` element; marks carry ``data-role`` (point, bias, limit) for tests."""
    f, points, lines = _frame(metric)
    parts = [
        f'<svg class="chart bland-altman" viewBox="0 0 {W} {H}" role="img" data-metric="{escape(metric["code"])}" '
        f'aria-label="Bland-Altman plot of {escape(metric["label"])}">',
        f'<text x="{LEFT}" y="15" class="chart-title">{escape(_title(metric))}</text>',
    ]
    for v in _ticks(f.y_lo, f.y_hi):
        parts.append(
            f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{f.y(v):.1f}" y2="{f.y(v):.1f}" class="grid"/>'
            f'<text x="{LEFT - 6}" y="{f.y(v) + 3:.1f}" class="axis" text-anchor="end">{_tick_text(v)}</text>'
        )
    for v, text in _x_ticks(metric, f):
        parts.append(
            f'<text x="{f.x(v):.1f}" y="{H - BOTTOM + 14}" class="axis" text-anchor="middle">{text}</text>'
        )
    parts.append(
        f'<text x="{(LEFT + W - RIGHT) / 2}" y="{H - 6}" class="axis" text-anchor="middle">'
        f"{escape(_x_title(metric))}</text>"
    )
    parts.append(
        f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{f.y(0):.1f}" y2="{f.y(0):.1f}" stroke="{MUTED}" stroke-width="0.8"/>'
    )
    for name, v in lines:
        colour, dash = (BIAS, "") if name == "bias" else (LIMIT, ' stroke-dasharray="5 3"')
        role = "bias" if name == "bias" else "limit"
        parts.append(
            f'<line data-role="{role}" x1="{LEFT}" x2="{W - RIGHT}" y1="{f.y(v):.1f}" y2="{f.y(v):.1f}" '
            f'stroke="{colour}" stroke-width="1.2"{dash}/>'
            f'<text x="{W - RIGHT + 4}" y="{f.y(v) + 3:.1f}" class="axis" fill="{colour}">{escape(name)} {v:.1f}</text>'
        )
    for x, y in points:
        parts.append(
            f'<circle data-role="point" cx="{f.x(x):.1f}" cy="{f.y(y):.1f}" r="3" fill="{POINT}" fill-opacity="0.7"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def bland_altman_drawing(metric: dict[str, Any], *, width: float = 460, height: float = 200) -> Drawing:
    """The same plot for reportlab (PDF points; y upwards)."""
    f, points, lines = _frame(metric)
    sx, sy = width / W, height / H
    d = Drawing(width, height)

    def px(v: float) -> float:
        return f.x(v) * sx

    def py(v: float) -> float:
        return height - f.y(v) * sy

    d.add(
        String(
            LEFT * sx,
            height - 12,
            _title(metric),
            fontName="Helvetica-Bold",
            fontSize=8,
        )
    )
    for v in _ticks(f.y_lo, f.y_hi):
        d.add(
            Line(
                LEFT * sx,
                py(v),
                (W - RIGHT) * sx,
                py(v),
                strokeColor=colors.HexColor("#eaecf0"),
                strokeWidth=0.5,
            )
        )
        d.add(
            String(
                LEFT * sx - 4,
                py(v) - 2,
                _tick_text(v),
                fontSize=6,
                textAnchor="end",
                fillColor=colors.HexColor(MUTED),
            )
        )
    for v, text in _x_ticks(metric, f):
        d.add(
            String(
                px(v),
                (BOTTOM - 14) * sy,
                text,
                fontSize=6,
                textAnchor="middle",
                fillColor=colors.HexColor(MUTED),
            )
        )
    d.add(
        String(
            (LEFT + W - RIGHT) / 2 * sx,
            2,
            _x_title(metric),
            fontSize=6,
            textAnchor="middle",
            fillColor=colors.HexColor(MUTED),
        )
    )
    d.add(
        Line(LEFT * sx, py(0), (W - RIGHT) * sx, py(0), strokeColor=colors.HexColor(MUTED), strokeWidth=0.6)
    )
    for name, v in lines:
        colour = colors.HexColor(BIAS if name == "bias" else LIMIT)
        d.add(
            Line(
                LEFT * sx,
                py(v),
                (W - RIGHT) * sx,
                py(v),
                strokeColor=colour,
                strokeWidth=1,
                strokeDashArray=None if name == "bias" else (4, 2),
            )
        )
        d.add(String((W - RIGHT) * sx + 3, py(v) - 2, f"{name} {v:.1f}", fontSize=6, fillColor=colour))
    for x, y in points:
        d.add(Circle(px(x), py(y), 2.2, fillColor=colors.HexColor(POINT), strokeColor=None, fillOpacity=0.7))
    return d
