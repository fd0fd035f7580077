"""Writing a :class:`~capture.pipeline.VideoAnalysis` to JSON, compressed NumPy (``.npz``) and CSV.

All files of one export are written under temporary names and renamed only when every one of
them succeeded, so a failed export leaves nothing half-written behind.

``.npz`` keys: ``frame_index`` (F,), ``time_s`` (F,), ``person_ids`` (P,), ``subject`` (scalar,
-1 when nobody was detected), ``image`` and ``world`` (P, F, 33, 4), ``presence`` (P, F, 33),
``bbox`` (P, F, 4), ``landmark_names`` (33,). Units and NaN conventions as in
:mod:`capture.pipeline`.

CSV: one row per frame and person detected in it, with the box and, per landmark,
``<name>_x_px, _y_px, _z_px, _visibility, _presence, _world_x_m, _world_y_m, _world_z_m``.
"""

from __future__ import annotations

import csv
import errno
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from capture.landmarks import LANDMARK_NAMES
from capture.pipeline import VideoAnalysis

_LANDMARK_FIELDS = ("x_px", "y_px", "z_px", "visibility", "presence", "world_x_m", "world_y_m", "world_z_m")


def npz_path_for(json_path: Path) -> Path:
    """The landmark file that accompanies ``json_path`` (same folder and stem, ``.npz``)."""
    return json_path.with_suffix(".npz")


def analysis_json(analysis: VideoAnalysis, *, landmarks_file: str | None = None) -> dict[str, Any]:
    document = analysis.summary_dict()
    if landmarks_file is not None:
        document["landmarks_file"] = landmarks_file
    return document


def _write_json(document: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(document, indent=2, allow_nan=False) + "\n", encoding="utf-8")


def _write_npz(analysis: VideoAnalysis, path: Path) -> None:
    with path.open("wb") as handle:
        np.savez_compressed(
            handle,
            frame_index=np.arange(analysis.frames),
            time_s=analysis.time_s,
            person_ids=np.array(analysis.person_ids, dtype=np.int64),
            subject=np.int64(-1 if analysis.subject is None else analysis.subject),
            image=analysis.image,
            world=analysis.world,
            presence=analysis.presence,
            bbox=analysis.bbox,
            landmark_names=np.array(LANDMARK_NAMES),
        )


def _cell(value: float) -> str:
    return "" if not math.isfinite(value) else f"{value:.6g}"


def _write_csv(analysis: VideoAnalysis, path: Path) -> None:
    header = [
        "frame",
        "time_s",
        "person_id",
        "is_subject",
        "bbox_x_min",
        "bbox_y_min",
        "bbox_x_max",
        "bbox_y_max",
    ]
    header += [f"{name}_{suffix}" for name in LANDMARK_NAMES for suffix in _LANDMARK_FIELDS]
    times = analysis.time_s
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for frame in range(analysis.frames):
            for row, person_id in enumerate(analysis.person_ids):
                box = analysis.bbox[row, frame]
                if not np.isfinite(box[0]):
                    continue
                image = analysis.image[row, frame]
                world = analysis.world[row, frame]
                presence = analysis.presence[row, frame]
                per_landmark = np.column_stack([image, presence, world[:, :3]])
                writer.writerow(
                    [frame, f"{times[frame]:.4f}", person_id, int(person_id == analysis.subject)]
                    + [_cell(float(v)) for v in box]
                    + [_cell(float(v)) for v in per_landmark.ravel()]
                )


def output_paths(*, json_path: Path, csv_path: Path | None) -> list[Path]:
    """The files an export will write, checked before any work is done.

    Raises ``ValueError`` when two outputs collide and ``IsADirectoryError`` when one names a folder.
    """
    targets: list[Path] = [json_path, npz_path_for(json_path)] + ([csv_path] if csv_path is not None else [])
    if len(set(targets)) != len(targets):
        raise ValueError("The JSON, landmark (.npz) and CSV outputs must be different files")
    for target in targets:
        if target.is_dir():
            raise IsADirectoryError(errno.EISDIR, "is a folder, not a file name", str(target))
    return targets


def write_outputs(analysis: VideoAnalysis, *, json_path: Path, csv_path: Path | None) -> list[Path]:
    """Write the JSON, the ``.npz`` beside it and optionally the CSV; returns the paths written."""
    targets = output_paths(json_path=json_path, csv_path=csv_path)
    npz_path = npz_path_for(json_path)
    partials = {target: target.with_name(f".{target.name}.partial") for target in targets}
    moved: list[Path] = []
    try:
        for target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
        _write_json(analysis_json(analysis, landmarks_file=npz_path.name), partials[json_path])
        _write_npz(analysis, partials[npz_path])
        if csv_path is not None:
            _write_csv(analysis, partials[csv_path])
        for target, partial in partials.items():
            partial.replace(target)
            moved.append(target)
    except BaseException:
        # All or nothing: results from one run must not sit beside files from another.
        for target in moved:
            target.unlink(missing_ok=True)
        raise
    finally:
        for partial in partials.values():
            partial.unlink(missing_ok=True)
    return targets
