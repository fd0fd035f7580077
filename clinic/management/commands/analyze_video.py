"""``python manage.py analyze_video PATH``: pose, identities, subject and biomechanics of a video.

Thin adapter over :func:`capture.sections.analyze_video` (pose engine + analysis library, the
same call a background task makes): parses options, shows a progress bar,
writes the JSON (+ ``.npz`` beside it) and CSV, and prints a short summary: the people, the
sections found, the camera view segments, the scale sentence, the angle convention
(:data:`analysis.angles.CONVENTION`), each reported value with its quality grade and view, and
each withheld value with its reason. Every expected failure becomes a :class:`CommandError`: one
sentence on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from analysis.measurements import label
from analysis.norms import Sex
from analysis.types import InputError
from capture.export import output_paths, write_outputs
from capture.pipeline import VideoAnalysis
from capture.pose import PoseConfig
from capture.sections import EXERCISE_CHOICES, activity_from_option, analyze_video, summary_lines
from capture.subject import DEFAULT_SUBJECT_RULE, SUBJECT_RULES, UnknownSubjectError
from capture.variants import DEFAULT_VARIANT, VARIANTS, ModelNotInstalledError
from capture.video import VideoError
from clinic.domain.present import count_noun


class Command(BaseCommand):
    help = "Estimate and track the people in a video file; write JSON, .npz landmarks and CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="video file (mp4, webm, mov, avi)")
        parser.add_argument("--model", choices=VARIANTS, default=DEFAULT_VARIANT, help="BlazePose variant")
        parser.add_argument("--height-m", type=float, default=None, help="subject's body height in metres")
        parser.add_argument(
            "--json", dest="json_out", default=None, help="JSON output (default: ./<video>.json)"
        )
        parser.add_argument("--csv", dest="csv_out", default=None, help="CSV output (default: ./<video>.csv)")
        parser.add_argument(
            "--subject", type=int, default=None, help="person id to analyse (default: chosen)"
        )
        parser.add_argument("--subject-rule", choices=SUBJECT_RULES, default=DEFAULT_SUBJECT_RULE)
        parser.add_argument(
            "--max-people",
            type=int,
            default=PoseConfig().num_poses,
            help="most people detected per frame (a clip found to hold one person is re-run with "
            "one pose automatically, which tracks the body more accurately)",
        )
        parser.add_argument(
            "--activity",
            "--exercise",
            dest="exercise",
            default="auto",
            metavar="|".join(EXERCISE_CHOICES),
            help="what the subject does (default auto: gait when walking is detected, else an exercise "
            "with at least 2 repetitions, else a single-leg stance); the standard tests "
            "chair-stand-30s, five-times-sit-to-stand, tug, ten-metre-walk, single-leg-stance and jump "
            "print their score with its norm",
        )
        parser.add_argument("--age", type=int, default=None, help="patient's age in years (for the norms)")
        parser.add_argument("--sex", choices=("female", "male"), default=None, help="for the norms")
        parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
        parser.add_argument("--patient", default=None, help="record the analysis on this patient's visit...")
        parser.add_argument("--visit", default=None, help="...this visit (both are needed)")
        parser.add_argument(
            "--as", dest="as_user", default=None, help="acting user (default: the visit's therapist)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["patient"] or options["visit"]:
            self._record_on_visit(options)
            return
        video = Path(options["path"])
        stem = video.stem or "video"
        json_path = Path(options["json_out"] or f"{stem}.json")
        csv_path = Path(options["csv_out"] or f"{stem}.csv")
        if options["max_people"] < 1:
            raise CommandError("--max-people must be at least 1.")
        try:
            activity = activity_from_option(options["exercise"])
        except ValueError as exc:
            raise CommandError(f"{exc}.") from exc
        height_m = options["height_m"]
        if height_m is not None and not 0.5 <= height_m <= 2.5:
            raise CommandError(
                f"--height-m is the subject's height in metres (0.5 to 2.5), not {height_m:g}."
            )
        try:
            output_paths(json_path=json_path, csv_path=csv_path)
        except ValueError as exc:
            raise CommandError(f"{exc}.") from exc
        except OSError as exc:
            raise CommandError(f"Cannot write the results to {exc.filename}: it {exc.strerror}.") from exc
        bars: list[tqdm[Any]] = []

        def progress(done: int, expected: int) -> None:
            # Created on the first decoded frame, so a file rejected at opening shows no bar.
            if not bars:
                bars.append(
                    tqdm(
                        total=expected or None,
                        unit="frame",
                        desc=video.name,
                        disable=options["no_progress"],
                        leave=False,
                    )
                )
            bars[0].update(done - bars[0].n)

        try:
            analysis = analyze_video(
                video,
                activity=activity,
                model=options["model"],
                pose_config=PoseConfig(num_poses=options["max_people"]),
                subject=options["subject"],
                subject_rule=options["subject_rule"],
                height_m=height_m,
                on_frame=progress,
            )
            written = write_outputs(analysis, json_path=json_path, csv_path=csv_path)
        except (VideoError, ModelNotInstalledError, UnknownSubjectError, InputError) as exc:
            raise CommandError(str(exc)) from exc
        except ValueError as exc:
            raise CommandError(f"{exc}.".replace("..", ".")) from exc
        except OSError as exc:
            raise CommandError(
                f"Could not write the results: {exc.strerror or exc} ({exc.filename})."
            ) from exc
        finally:
            for bar in bars:
                bar.close()
        self.stdout.write(_summary(analysis, written, age_years=options["age"], sex=options["sex"]))

    def _record_on_visit(self, options: dict[str, Any]) -> None:
        """With --patient and --visit the analysis is recorded on the visit, through the same
        upload, queue and events as the visit page (the clinic's ``analyze_visit_video``)."""
        if not (options["patient"] and options["visit"]):
            raise CommandError(
                "--patient and --visit go together: give both to record the analysis on a visit."
            )
        try:
            activity = activity_from_option(options["exercise"])
        except ValueError as exc:
            raise CommandError(f"{exc}.") from exc
        call_command(
            "analyze_visit_video",
            options["path"],
            patient=options["patient"],
            visit=options["visit"],
            username=options["as_user"],
            model=options["model"],
            exercise=activity,
            height_m=options["height_m"],
            no_progress=options["no_progress"],
            stdout=self.stdout,
            stderr=self.stderr,
        )


def _summary(
    analysis: VideoAnalysis, written: list[Path], *, age_years: int | None = None, sex: Sex | None = None
) -> str:
    info = analysis.video
    lines = [
        f"{info.path.name}: {analysis.frames} frames at {info.sampling_rate_hz:g} fps ({analysis.frames / info.sampling_rate_hz:.1f} s), "
        f"{info.width}x{info.height}, model {analysis.model}",
    ]
    if not analysis.people:
        lines.append("No person was detected.")
    for person in analysis.people:
        marker = "  <- subject" if person.id == analysis.subject else ""
        lines.append(
            f"  person {person.id}: frames {person.first_frame}-{person.last_frame} "
            f"({person.first_frame / info.sampling_rate_hz:.2f}-{person.last_frame / info.sampling_rate_hz:.2f} s), "
            f"tracked in {person.frames_tracked} frames{marker}"
        )
    # The section lines, without their knee-angle line: angles are listed below in the one
    # convention with their quality and view.
    lines.extend(
        line
        for line in summary_lines(analysis.sections, age_years=age_years, sex=sex)
        if not line.startswith("  angles:")
    )
    lines.extend(trust_lines(analysis.sections))
    lines.append("Wrote " + ", ".join(str(p) for p in written))
    return "\n".join(lines)


#: Decimals shown per unit (angles to the degree, counts whole: issue 13 item 6).
SHOWN_DECIMALS = {"deg": 0, "count": 0, "steps/min": 1, "m": 2, "m/s": 2, "s": 2, "%": 0, "score": 0}


def _shown(value: float, unit: str, metric: str = "") -> str:
    if unit == "count":
        n = round(value)
        return f"{n} {count_noun(metric, n) or ('repetition' if n == 1 else 'repetitions')}"
    return f"{value:.{SHOWN_DECIMALS.get(unit, 2)}f} {unit}"


def trust_lines(sections: dict[str, Any]) -> list[str]:
    """View segments, scale, convention, the values with quality and view, the withheld ones."""
    meta = sections.get("analysis") or {}
    if "measurements" not in meta:
        return []
    lines = [
        f"  camera view: {meta['views_text']}",
        f"  measured over: {meta['activity_frames']}",
        f"  {meta['angle_convention']}.",
    ]
    scale = meta.get("scale")
    if scale and scale.get("metres_per_pixel") is None:
        lines.append(f"  no scale: {scale['detail']}")
    values = meta["measurements"]
    lines.append(f"  values ({len(values)}; quality, view):" if values else "  no value reported")
    for m in values:
        name = label(m["metric"], m["side"])
        lines.append(
            f"    {name}: {_shown(m['value'], m['unit'], m['metric'])}  [{m['quality']}, {m['view']}]"
        )
    withheld = meta["withheld"]
    if withheld:
        lines.append(f"  withheld ({len(withheld)}):")
        lines.extend(f"    {label(w['metric'], w['side'])} [{w['code']}]: {w['reason']}" for w in withheld)
    return lines
