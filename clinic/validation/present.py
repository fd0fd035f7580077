"""The figures of a stored validation report as the HTML report, the page and the PDF print them.

One formatting rule for all three (so a test can read the PDF back and find the JSON's figures):
every statistic with one decimal in the metric's unit, a missing one (no SD with one pair) as an en dash;
counts of frames whole where they are whole.
"""

from __future__ import annotations

from typing import Any

from analysis.agreement import Agreement, error_bound

NONE = "\u2013"  # en dash: no value

METHOD_TEXT = (
    "Each case is run through the product's own analysis and compared with its reference. "
    "Difference = product minus reference (positive: the product reads high or late). Bias = mean "
    "difference; MAE = mean absolute difference; SD = standard deviation of the differences; 95% "
    "limits of agreement = bias ± 1.96 SD (Bland & Altman 1986). Gait events: a reference event "
    "with no detected event of the same foot and kind within 60 ms counts as not found and is left "
    "out of the statistics. Video heel strikes are matched within 0.2 s to a strike of either foot."
)


def fmt(value: float | None) -> str:
    if value is None:
        return NONE
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def summary_cells(s: dict[str, Any] | None) -> list[str]:
    """n, bias, MAE, SD, lower and upper limit of agreement."""
    if not s:
        return ["0", NONE, NONE, NONE, NONE, NONE]
    return [
        str(s["n"]),
        fmt(s["bias"]),
        fmt(s["mean_abs_error"]),
        fmt(s["sd"]),
        fmt(s["loa_low"]),
        fmt(s["loa_high"]),
    ]


SUMMARY_HEADERS = ["#", "Case", "n", "Bias", "MAE", "SD", "LoA low", "LoA high", "Not found"]


def metric_rows(metric: dict[str, Any]) -> list[list[str]]:
    """One row per case (numbered as the plots number them) and a pooled row, each
    ``SUMMARY_HEADERS`` long."""
    rows = [
        [str(i), row["case"], *summary_cells(row["summary"]), str(len(row["not_found"]))]
        for i, row in enumerate(metric["cases"], start=1)
    ]
    rows.append(["", "All cases", *summary_cells(metric["pooled"]), str(metric["n_not_found"])])
    return rows


def pooled_sentence(metric: dict[str, Any]) -> str:
    s = metric["pooled"]
    unit = metric["unit"]
    if not s:
        return f"No pairs; {metric['n_not_found']} reference values not found."
    loa = (
        f"95% limits of agreement {fmt(s['loa_low'])} to {fmt(s['loa_high'])} {unit}"
        if s["loa_low"] is not None
        else "no limits of agreement (one pair)"
    )
    return (
        f"{s['n']} pair{'s' if s['n'] != 1 else ''} from {metric['n_cases']} case(s): bias {fmt(s['bias'])} {unit}, "
        f"MAE {fmt(s['mean_abs_error'])} {unit}, {loa}; {metric['n_not_found']} not found."
    )


def accuracy_text(metric: dict[str, Any]) -> str | None:
    """The short note shown beside a measured value, e.g. "±4.1 steps/min, validated on 3 cases"."""
    s = metric.get("pooled")
    if not s:
        return None
    a = Agreement(
        n=s["n"],
        bias=s["bias"],
        mean_abs_error=s["mean_abs_error"],
        sd=s["sd"],
        loa_low=s["loa_low"],
        loa_high=s["loa_high"],
    )
    cases = metric["n_cases"]
    return f"±{fmt(error_bound(a))} {metric['unit']}, validated on {cases} case{'s' if cases != 1 else ''}"


def not_found_lines(metric: dict[str, Any]) -> list[str]:
    return [f"{row['case']}: {what}" for row in metric["cases"] for what in row["not_found"]]


def _frames(value: float) -> str:
    """A count of frames: whole when it is one (the usual case on video), else one decimal."""
    text = str(round(value)) if abs(value - round(value)) < 0.05 else f"{value:.1f}"
    return "0" if text in ("-0", "-0.0") else text


def measured_sentence(metric: dict[str, Any], row: dict[str, Any]) -> str | None:
    """What this run measured of the definitions' difference in one case, in frames of its clip,
    e.g. "In this run: median 2 frames (66.7 ms) late, range 2 to 4 frames, over 8 heel strikes
    of walk.mp4 at 30 fps."; None for a case without those figures."""
    f = row.get("in_frames")
    if not f:
        return None
    m = f["median_frames"]
    way = " late" if m > 0 else " early" if m < 0 else ""
    plural = "" if _frames(abs(m)) == "1" else "s"
    noun = metric.get("frame_events") or "event"
    return (
        f"In this run: median {_frames(abs(m))} frame{plural} ({fmt(abs(f['median_ms']))} ms){way}, "
        f"range {_frames(f['min_frames'])} to {_frames(f['max_frames'])} frames, over {f['n']} "
        f"{noun}{'s' if f['n'] != 1 else ''} of {row['case']} at {f['sampling_rate_hz']:g} fps."
    )


def definition_lines(metric: dict[str, Any]) -> list[str]:
    """The metric's definition (prefixed "Definition: "), then one measured sentence per case
    that has one; empty for a metric without a definition (or a report stored before them)."""
    lines = [f"Definition: {metric['definition']}"] if metric.get("definition") else []
    measured = (measured_sentence(metric, row) for row in metric["cases"])
    return lines + [s for s in measured if s]
