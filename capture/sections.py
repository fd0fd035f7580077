"""Biomechanics of a video's subject: the analysis library's sections attached to a :class:`VideoAnalysis`.

:func:`analyze_video` is what the ``analyze_video`` command (and a background task) calls: pose
estimation, tracking and subject choice (:func:`capture.pipeline.analyze_file`), then
:func:`analysis.report.video_sections` on the subject's image landmarks, stored as JSON
(:meth:`analysis.results.VideoSections.to_json`) under ``VideoAnalysis.sections`` (``gait``,
``exercise``, ``angles``, ``balance`` and ``analysis``, which says which activity was asked for,
which were detected, why a section is absent and which length scale was used).
:func:`summary_lines` turns the sections into a few lines for people.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from analysis import norms
from analysis.angles import CONVENTION
from analysis.measurements import label
from analysis.report import ACTIVITIES, Activity, video_sections
from capture.pipeline import VideoAnalysis, analyze_file

#: Command-line spelling of each activity (hyphens, as typed) -> the library's name.
EXERCISE_CHOICES: dict[str, Activity] = {a.replace("_", "-"): a for a in ACTIVITIES}


def activity_from_option(value: str) -> Activity:
    """The activity for a command-line value such as ``"sit-to-stand"`` or ``"overhead press"``."""
    key = value.strip().lower().replace("_", "-").replace(" ", "-")
    try:
        return EXERCISE_CHOICES[key]
    except KeyError:
        raise ValueError(f"Unknown exercise {value!r}; choose one of {', '.join(EXERCISE_CHOICES)}") from None


def attach_sections(analysis: VideoAnalysis, *, activity: Activity = "auto") -> dict[str, Any]:
    """Compute the subject's sections, store them in ``analysis.sections`` and return them."""
    if analysis.subject is None:
        reason = "no person was detected, so there is no subject to analyse"
        sections: dict[str, Any] = {
            "gait": None,
            "exercise": None,
            "angles": None,
            "balance": None,
            "outcome": None,
            "analysis": {
                "activity": activity,
                "detected": [],
                "absent": {k: reason for k in ("gait", "exercise", "angles", "balance", "outcome")},
                "scale": None,
            },
        }
    else:
        sections = video_sections(
            analysis.image_landmarks(),
            sampling_rate_hz=analysis.video.sampling_rate_hz,
            height_m=analysis.height_m,
            exercise=activity,
        ).to_json()
        sections["analysis"]["subject"] = analysis.subject
    analysis.sections.update(sections)
    return sections


def analyze_video(path: str | Path, *, activity: Activity = "auto", **options: Any) -> VideoAnalysis:
    """:func:`capture.pipeline.analyze_file` (same keyword options and errors) plus the sections."""
    analysis = analyze_file(path, **options)
    attach_sections(analysis, activity=activity)
    return analysis


def _num(value: Any, fmt: str) -> str:
    return "n/a" if value is None else format(value, fmt)


def outcome_lines(
    sections: dict[str, Any], *, age_years: int | None = None, sex: norms.Sex | None = None
) -> list[str]:
    """The outcome test's score (the judged values of the test), the Timed Up and Go's phases,
    and each score against its norm (:mod:`analysis.norms`; age and sex when known)."""
    outcome = sections.get("outcome")
    if not outcome:
        return []
    lines = [f"  outcome: {outcome['label']}"]
    result = outcome["result"]
    if outcome["test"] == "tug":
        phases = ", ".join(f"{k.replace('_', ' ')} {v:.1f} s" for k, v in result["phases_s"].items())
        lines.append(f"    phases: {phases}")
    if outcome["test"] == "jump" and result.get("flight_time_s") is not None:
        lines.append(f"    flight time {result['flight_time_s']:.3f} s")
    measured = (sections.get("analysis") or {}).get("measurements") or []
    for m in measured:
        if m["metric"] not in TEST_METRICS:
            continue
        shown = f"{round(m['value'])}" if m["unit"] == "count" else f"{m['value']:.2f} {m['unit']}"
        line = f"    {label(m['metric'], m['side'])}: {shown}"
        ended = norms.hold_ended(outcome, m["metric"], m["side"])
        judged = norms.judge(m["metric"], m["value"], age_years=age_years, sex=sex, ended=ended)
        if judged is not None:
            line += f"; norm: {judged.text} ({judged.source})"
        lines.append(line)
    return lines


#: The values an outcome test reports as its score.
TEST_METRICS = frozenset(
    {
        "chair_stand_count",
        "five_times_sit_to_stand",
        "timed_up_and_go",
        "ten_metre_walk_speed",
        "single_leg_stance_time",
        "jump_height",
        "landing_knee_flexion",
        "landing_knee_flexion_symmetry",
    }
)


def summary_lines(
    sections: dict[str, Any], *, age_years: int | None = None, sex: norms.Sex | None = None
) -> list[str]:
    """A short human summary of the sections (one line per section, plus absent reasons)."""
    lines: list[str] = outcome_lines(sections, age_years=age_years, sex=sex)
    gait = sections.get("gait")
    if gait:
        step = gait["step_time_s"]["both"]
        line = (
            f"  gait: {len(gait['heel_strikes'])} heel strikes, {len(gait['toe_offs'])} toe-offs, "
            f"cadence {_num(gait['cadence_steps_per_min'], '.1f')} steps/min, "
            f"step time {_num(step['mean'], '.3f')} s"
        )
        if gait["step_length_m"] is not None:
            line += (
                f", step length {_num(gait['step_length_m']['both']['mean'], '.2f')} m, "
                f"speed {_num(gait['gait_speed_m_per_s'], '.2f')} m/s"
            )
        lines.append(line)
    exercise = sections.get("exercise")
    if exercise:
        cues = sorted({c["text"] for r in exercise["reps"] for c in r["cues"]})
        lines.append(
            f"  exercise: {exercise['kind'].replace('_', ' ')}, {exercise['complete_reps']} complete and "
            f"{exercise['partial_reps']} partial repetitions" + (f"; cues: {', '.join(cues)}" if cues else "")
        )
    balance = sections.get("balance")
    if balance:
        longest = balance["single_leg_stance"]["longest"]
        if longest:
            line = (
                f"  balance: single-leg stance on the {longest['stance_side']} for "
                f"{longest['duration_s']:.2f} s of {balance['single_leg_stance']['recording_s']:.2f} s, "
                + ("ended by touchdown" if longest["ended_by_touchdown"] else "no touchdown")
            )
        else:
            line = "  balance: no single-leg stance found"
        sw = balance.get("sway")
        if sw:
            line += (
                f"; sway path {sw['path_length']:.3g} {sw['units']}, "
                f"95% ellipse {sw['ellipse_area_95']:.3g} {sw['units']}^2"
            )
        lines.append(line)
    angles = sections.get("angles")
    if angles:
        knees = [
            f"{side} knee flexion {_num(angles[key].get('min_deg'), '.0f')}-"
            f"{_num(angles[key].get('max_deg'), '.0f')} deg"
            for side in ("left", "right")
            if (key := f"{side}_knee_flexion_image_plane") in angles
        ]
        if knees:
            lines.append("  angles: " + ", ".join(knees) + f" ({CONVENTION})")
    meta = sections.get("analysis") or {}
    for name, reason in (meta.get("absent") or {}).items():
        if not reason.startswith("not requested"):
            lines.append(f"  no {name}: {reason}")
    scale = meta.get("scale")
    if scale:
        lines.append(f"  scale: {scale['detail']}")
    return lines
