"""Reference cases of the validation report: where they are and what each holds.

Three kinds, each a folder (a clinic's own cases use the same layouts, see README "Validation"):

* **motion capture** (``kind="mocap"``): a marker file (``markers.trc``, or one ``.trc``/``.c3d``
  file), ``case.json`` with ``"map"`` (gait role -> marker names, as ``manage.py gait_events
  --map``), and reference events: ``ref_forceplate_events.csv`` (``foot,event,time_s`` and
  optionally ``status``: only ``clean`` rows are a reference) or, for a C3D file with force plates
  and no such CSV, events computed from its plates (:mod:`analysis.gait.forceplate`);
* **annotated video** (``kind="video"``): one video file and ``annotations.csv`` in the format
  of the bundled ``ground_truth_videos.csv`` (``file,kind,label,frame_0based,time_s,
  tolerance_frames,notes``; ``heel_strike`` rows for a walk, ``squat_rep`` rows for squats);
* **reference landmarks** (``kind="landmarks"``): BlazePose landmarks of a video as published
  with it (``[frames][33][x_px, y_px, z]``), run through the same analysis as video landmarks
  and scored against the video's annotations.

The bundled cases are the project's shared data set (``VALIDATION_DATA_DIR``): the two OpenSim
example trials (their own layout: ``gait_events_from_grf.csv``, markers named below), the
multilab trials, the annotated videos and the squat clip's reference landmarks.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from analysis.gait import GAIT_POINTS

VIDEO_SUFFIXES = (".mp4", ".webm", ".mov", ".avi", ".mkv")
ANNOTATION_COLUMNS = ("file", "kind", "label", "frame_0based", "time_s", "tolerance_frames", "notes")
REFERENCE_EVENT_COLUMNS = ("foot", "event", "time_s")

# The OpenSim example trials predate case.json: their marker names (MANIFEST.md of the data set).
OPENSIM_TRIALS: dict[str, tuple[str, dict[str, list[str]]]] = {
    "gait2354_treadmill_walk": (
        "subject01_walk1.trc",
        {
            "left_heel": ["L.Heel"],
            "right_heel": ["R.Heel"],
            "left_toe": ["L.Toe.Tip"],
            "right_toe": ["R.Toe.Tip"],
            "pelvis": ["R.ASIS", "L.ASIS", "V.Sacral"],
        },
    ),
    "rajagopal2016_overground_walk": (
        "motion_capture_walk.trc",
        {
            "left_heel": ["L.Heel"],
            "right_heel": ["R.Heel"],
            "left_toe": ["L.Toe"],
            "right_toe": ["R.Toe"],
            "pelvis": ["R.ASIS", "L.ASIS", "R.PSIS", "L.PSIS"],
        },
    ),
}
# Annotated clips of the bundled set that have measurable annotations, and the published landmarks.
_BUNDLED_VIDEOS = ("walk_side_two_people.mp4", "squats_front.mp4")
_REFERENCE_LANDMARKS = (("squats_front.reference_blazepose_full_2d.json", "squats_front.mp4"),)


class CaseError(ValueError):
    """A case folder does not follow the documented layout; the message names what is wrong."""


@dataclass(frozen=True)
class MocapCase:
    name: str
    source: str
    marker_file: Path
    roles: dict[str, list[str]]
    reference_csv: Path | None  # None: events from the C3D file's force plates
    kind: str = "mocap"


@dataclass(frozen=True)
class VideoCase:
    name: str
    source: str
    video: Path
    annotations: tuple[dict[str, str], ...]
    kind: str = "video"


@dataclass(frozen=True)
class LandmarksCase:
    name: str
    source: str
    landmarks_json: Path
    video: Path  # the clip they were estimated from: its frame rate
    annotations: tuple[dict[str, str], ...]
    kind: str = "landmarks"


Case = MocapCase | VideoCase | LandmarksCase


@dataclass
class CaseSet:
    cases: list[Case] = field(default_factory=list)
    datasets: list[dict[str, str]] = field(default_factory=list)


def _read_annotations(path: Path, *, video_name: str | None = None) -> tuple[dict[str, str], ...]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ANNOTATION_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise CaseError(
                f"{path}: missing column(s) {', '.join(missing)} (expected {','.join(ANNOTATION_COLUMNS)})."
            )
        rows = [r for r in reader if video_name is None or r["file"] == video_name]
    for r in rows:
        try:
            float(r["time_s"])
            int(r["frame_0based"])
        except ValueError:
            raise CaseError(f"{path}: row {r['label']!r} has a time or frame that is not a number.") from None
    return tuple(rows)


def _mocap_folder(folder: Path, *, source: str) -> MocapCase:
    meta_path = folder / "case.json"
    if not meta_path.is_file():
        raise CaseError(f'{folder}: a motion-capture case needs case.json with the marker "map".')
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CaseError(f"{meta_path}: not valid JSON ({exc}).") from None
    roles = meta.get("map") if isinstance(meta, dict) else None
    if not isinstance(roles, dict) or any(r not in roles for r in GAIT_POINTS):
        raise CaseError(f'{meta_path}: "map" must name markers for each of {", ".join(GAIT_POINTS)}.')
    roles = {r: [roles[r]] if isinstance(roles[r], str) else list(roles[r]) for r in GAIT_POINTS}
    marker = folder / "markers.trc"
    if not marker.is_file():
        found = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".trc", ".c3d"))
        if len(found) != 1:
            raise CaseError(
                f"{folder}: expected markers.trc or exactly one .trc/.c3d file, found {len(found)}."
            )
        marker = found[0]
    ref = folder / "ref_forceplate_events.csv"
    if ref.is_file():
        with open(ref, newline="", encoding="utf-8") as fh:
            header = csv.DictReader(fh).fieldnames or []
        if any(c not in header for c in REFERENCE_EVENT_COLUMNS):
            raise CaseError(f"{ref}: expected columns {','.join(REFERENCE_EVENT_COLUMNS)}[,status].")
        return MocapCase(folder.name, source, marker, roles, ref)
    if marker.suffix.lower() != ".c3d":
        raise CaseError(
            f"{folder}: no ref_forceplate_events.csv; reference events can only be computed from a C3D file's force plates."
        )
    return MocapCase(folder.name, source, marker, roles, None)


def _video_folder(folder: Path, *, source: str) -> VideoCase:
    videos = sorted(p for p in folder.iterdir() if p.suffix.lower() in VIDEO_SUFFIXES)
    if len(videos) != 1:
        raise CaseError(f"{folder}: a video case holds exactly one video file, found {len(videos)}.")
    rows = _read_annotations(folder / "annotations.csv", video_name=videos[0].name)
    if not rows:
        raise CaseError(
            f"{folder / 'annotations.csv'}: no rows for {videos[0].name} (the file column names the video)."
        )
    return VideoCase(folder.name, source, videos[0], rows)


def clinic_cases(root: Path) -> list[Case]:
    """Every case folder under ``root`` (one level deep), by name; a folder is a video case when
    it holds annotations.csv, else a motion-capture case."""
    if not root.is_dir():
        raise CaseError(f"{root}: no such folder.")
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise CaseError(f"{root}: no case folders (one folder per case, see the README).")
    source = f"clinic cases in {root}"
    return [
        _video_folder(f, source=source)
        if (f / "annotations.csv").is_file()
        else _mocap_folder(f, source=source)
        for f in folders
    ]


def bundled_cases(data_dir: Path, *, video: bool) -> CaseSet:
    """The shared data set's reference cases (annotated videos only when ``video``)."""
    if not data_dir.is_dir():
        raise CaseError(f"The bundled reference data is not at {data_dir} (set VALIDATION_DATA_DIR).")
    out = CaseSet()
    mocap = data_dir / "mocap"
    for name, (trc, roles) in OPENSIM_TRIALS.items():
        folder = mocap / name
        out.cases.append(
            MocapCase(name, "OpenSim example data", folder / trc, roles, folder / "gait_events_from_grf.csv")
        )
    for folder in sorted(p for p in (mocap / "multilab").iterdir() if p.is_dir()):
        out.cases.append(_mocap_folder(folder, source="multilab"))
    videos = data_dir / "videos"
    truth = data_dir / "ground_truth_videos.csv"
    for landmarks, clip in _REFERENCE_LANDMARKS:
        out.cases.append(
            LandmarksCase(
                landmarks.removesuffix(".json"),
                "published BlazePose landmarks",
                videos / landmarks,
                videos / clip,
                _read_annotations(truth, video_name=clip),
            )
        )
    if video:
        for clip in _BUNDLED_VIDEOS:
            out.cases.append(
                VideoCase(clip, "annotated video", videos / clip, _read_annotations(truth, video_name=clip))
            )
    out.datasets.append({"name": "bundled reference data", "path": str(data_dir)})
    return out
