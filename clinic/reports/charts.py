"""Goal charts for the PDF reports: the metric over weeks, the target line and the due date.

Vector drawings (reportlab.graphics), so they stay sharp when a payer zooms in.
"""

from __future__ import annotations

from datetime import date

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors

from clinic.reports.model import Goal, Measurement

BRAND = colors.HexColor("#1f6f8b")
TARGET = colors.HexColor("#b42318")
MUTED = colors.HexColor("#667085")


def _weeks(d: date, start: date) -> float:
    return (d - start).days / 7.0


def goal_chart(
    goal: Goal, series: list[Measurement], *, start: date, width: float = 250, height: float = 150
) -> Drawing:
    """Values of the goal's metric by week since the start of care, with target and due date."""
    drawing = Drawing(width, height)
    drawing.add(String(4, height - 12, f"{goal.label} ({goal.unit})", fontName="Helvetica-Bold", fontSize=8))
    plot = LinePlot()
    plot.x, plot.y = 34, 26
    plot.width, plot.height = width - 46, height - 50
    points = [(_weeks(m.measured_on, start), m.value) for m in series]
    due_x = _weeks(goal.due_date, start)
    xs = [p[0] for p in points] + [0.0, due_x]
    ys = [p[1] for p in points] + [goal.target] + ([goal.baseline] if goal.baseline is not None else [])
    x_min, x_max = min(xs), max(xs) + 0.5
    y_pad = (max(ys) - min(ys)) * 0.15 or 1.0
    y_min, y_max = min(ys) - y_pad, max(ys) + y_pad
    target_line = [(x_min, goal.target), (x_max, goal.target)]
    plot.data = [points or [(0.0, goal.target)], target_line]
    plot.lines[0].strokeColor = BRAND
    plot.lines[0].strokeWidth = 1.2
    plot.lines[0].symbol = makeMarker("FilledCircle", size=2.5, fillColor=BRAND, strokeColor=BRAND)
    plot.lines[1].strokeColor = TARGET
    plot.lines[1].strokeDashArray = (3, 2)
    plot.lines[1].strokeWidth = 0.9
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = x_min, x_max
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax = y_min, y_max
    plot.xValueAxis.labels.fontSize = plot.yValueAxis.labels.fontSize = 6
    plot.xValueAxis.labelTextFormat = "%.0f"
    plot.yValueAxis.labelTextFormat = "%.3g"
    plot.xValueAxis.visibleGrid = False
    drawing.add(plot)
    # Due date: a vertical marker where the goal should be met.
    span = x_max - x_min
    if span > 0 and x_min <= due_x <= x_max:
        x = plot.x + plot.width * (due_x - x_min) / span
        drawing.add(Line(x, plot.y, x, plot.y + plot.height, strokeColor=MUTED, strokeDashArray=(1, 2)))
        drawing.add(
            String(x + 2, plot.y + plot.height - 8, f"due {goal.due_date:%m/%d}", fontSize=6, fillColor=MUTED)
        )
    drawing.add(String(plot.x, 6, "weeks since start of care", fontSize=6, fillColor=MUTED))
    drawing.add(
        String(width - 86, 6, f"target {goal.comparator} {goal.target:g}", fontSize=6, fillColor=TARGET)
    )
    return drawing
