"""Run reference cases and assemble the validation report (a JSON-ready dict).

The report holds, per metric: how the product defines it where the reference defines it otherwise
(:mod:`clinic.validation.definitions`), the pooled agreement over every case
(:mod:`analysis.agreement`) and per case its agreement, its pairs, the reference events not found
and, for instants on video, the differences counted in frames of the clip; and the software
version, the pose model (MediaPipe version, variant, checksums), the data sets and the date.
A case that cannot be run is listed with its error and does not stop the others.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from statistics import median
from typing import Any

from analysis.agreement import agreement_of_differences
from analysis.report import video_sections
from analysis.types import InputError
from capture.video import VideoError
from clinic.validation.cases import Case, CaseSet, LandmarksCase, MocapCase, VideoCase
from clinic.validation.scoring import (
    METRICS,
    CaseResult,
    read_reference_landmarks,
    score_mocap,
    score_sections,
)

POSE_VARIANT = "full"  # the variant uploads default to (capture.variants.DEFAULT_VARIANT)
_REPO = Path(__file__).resolve().parents[2]


def software_version() -> str:
    """``git describe`` of the checkout when there is one, else the installed package version."""
    try:
        done = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"],
            cwd=_REPO,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return done.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        try:
            return metadata.version("movement-clinic")
        except metadata.PackageNotFoundError:
            return "unknown"


def model_versions(variant: str = POSE_VARIANT) -> dict[str, str | None]:
    from capture import variants

    try:
        mediapipe = metadata.version("mediapipe")
    except metadata.PackageNotFoundError:
        mediapipe = None
    try:
        bundle = variants.bundle_path(variant)
        bundle_sha = hashlib.sha256(bundle.read_bytes()).hexdigest()
    except (variants.ModelNotInstalledError, OSError):
        bundle_sha = None
    return {
        "mediapipe": mediapipe,
        "pose_model": f"BlazePose {variant}",
        "landmark_model_sha256": variants.LANDMARK_SHA256[variants.check_variant(variant)],
        "detector_model_sha256": variants.DETECTOR_SHA256,
        "bundle_sha256": bundle_sha,
    }


def _clip_rate_hz(video: Path) -> float:
    from capture.video import probe

    return probe(video).sampling_rate_hz


def run_case(case: Case) -> CaseResult:
    if isinstance(case, MocapCase):
        return score_mocap(case)
    out = CaseResult(case.name, case.kind, case.source)
    if isinstance(case, LandmarksCase):
        rate = _clip_rate_hz(case.video)
        sections = video_sections(
            read_reference_landmarks(case.landmarks_json), sampling_rate_hz=rate
        ).to_json()
        return score_sections(out, sections, case.annotations, sampling_rate_hz=rate)
    assert isinstance(case, VideoCase)
    from capture.sections import analyze_video

    analysis = analyze_video(case.video, model=POSE_VARIANT)
    return score_sections(
        out, analysis.sections, case.annotations, sampling_rate_hz=analysis.video.sampling_rate_hz
    )


def _summary(diffs: list[float]) -> dict[str, Any] | None:
    a = agreement_of_differences(diffs)
    return None if a is None else a.to_json()


def lag_in_frames(differences_ms: list[float], *, sampling_rate_hz: float) -> dict[str, Any] | None:
    """One case's differences of instants (product minus reference, ms) counted in frames of its
    clip: their median (also in ms) and range; None without differences.

    Both the annotation and the product's events fall on whole frames, so on a video case the
    counts are whole numbers; they are rounded to 0.001 frame only to drop the float error of
    the conversion through milliseconds.
    """
    if not differences_ms:
        return None
    frames = sorted(round(d * sampling_rate_hz / 1000.0, 3) for d in differences_ms)
    return {
        "n": len(frames),
        "sampling_rate_hz": sampling_rate_hz,
        "median_frames": float(median(frames)),
        "median_ms": float(median(differences_ms)),
        "min_frames": frames[0],
        "max_frames": frames[-1],
    }


def metric_entries(results: list[CaseResult]) -> list[dict[str, Any]]:
    """The report's ``metrics``: per metric of ``METRICS`` with any pair or miss in ``results``,
    its definition, pooled agreement and one row per case."""
    metrics = []
    for code, info in METRICS.items():
        rows: list[dict[str, Any]] = []
        for r in results:
            pairs = r.pairs.get(code, [])
            missed = r.not_found.get(code, [])
            if not pairs and not missed:
                continue
            diffs = [p.measured - p.reference for p in pairs]
            row: dict[str, Any] = {
                "case": r.name,
                "kind": r.kind,
                "summary": _summary(diffs),
                "pairs": [p.to_json() for p in pairs],
                "not_found": missed,
            }
            if info.frame_events and r.sampling_rate_hz:
                row["in_frames"] = lag_in_frames(diffs, sampling_rate_hz=r.sampling_rate_hz)
            rows.append(row)
        if not rows:
            continue
        pooled = [p["difference"] for row in rows for p in row["pairs"]]
        metrics.append(
            {
                "code": code,
                "label": info.label,
                "unit": info.unit,
                "reference": info.reference,
                "definition": info.definition,
                "frame_events": info.frame_events,
                "product_metric": info.product_metric,
                "plot_by_case": info.plot_by_case,
                "n_cases": sum(1 for row in rows if row["pairs"]),
                "n_not_found": sum(len(row["not_found"]) for row in rows),
                "methods": sorted({r.methods[code] for r in results if code in r.methods}),
                "pooled": _summary(pooled),
                "cases": rows,
            }
        )
    return metrics


def build_report(
    case_set: CaseSet, *, video: bool, progress: Callable[[str], None] = lambda _line: None
) -> dict[str, Any]:
    results: list[CaseResult] = []
    for case in case_set.cases:
        progress(f"{case.kind} case {case.name}")
        try:
            results.append(run_case(case))
        except (InputError, ValueError, OSError, RuntimeError, VideoError) as exc:
            # One unreadable case is reported as such; the others still count.
            failed = CaseResult(case.name, case.kind, case.source, error=str(exc) or type(exc).__name__)
            results.append(failed)
    return {
        "format": 1,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "software_version": software_version(),
        "models": model_versions(),
        "datasets": case_set.datasets,
        "video_cases_run": video,
        "cases": [{"name": r.name, "kind": r.kind, "source": r.source, "error": r.error} for r in results],
        "metrics": metric_entries(results),
    }
