"""analyze_file and the exports, with a recorded estimator in place of MediaPipe."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from capture.export import write_outputs
from capture.landmarks import LANDMARK_NAMES
from capture.pipeline import VideoAnalysis, analyze_file
from capture.pose import PersonPose
from capture.subject import UnknownSubjectError
from tests.unit.capture.skeletons import person
from tests.unit.capture.videos import write_video

FPS = 20.0
SIZE = (320, 240)


class RecordedEstimator:
    """A PoseEstimator that replays prepared people by frame index."""

    variant = "recorded"

    def __init__(self, by_frame: dict[int, list[PersonPose]]) -> None:
        self.by_frame = by_frame
        self.timestamps: list[int] = []
        self.closed = False

    def estimate(self, frame_rgb: NDArray[np.uint8], *, timestamp_ms: int) -> list[PersonPose]:
        assert frame_rgb.shape == (SIZE[1], SIZE[0], 3)
        self.timestamps.append(timestamp_ms)
        return self.by_frame.get(round(timestamp_ms * FPS / 1000), [])

    def close(self) -> None:
        self.closed = True


def _scene() -> dict[int, list[PersonPose]]:
    """A (small, whole clip); B (5-frame fragment); C (large, frames 20-39)."""
    scene: dict[int, list[PersonPose]] = {}
    for i in range(40):
        people = [person(centre_x=60 + i, top_y=100, height=100, frame_size=SIZE)]
        if 5 <= i < 10:
            people.append(person(centre_x=250, top_y=20, height=60, frame_size=SIZE))
        if i >= 20:
            people.append(person(centre_x=230, top_y=10, height=200, frame_size=SIZE))
        scene[i] = people
    return scene


@pytest.fixture
def analysis(tmp_path: Path) -> VideoAnalysis:
    video = write_video(tmp_path / "clip.mp4", frames=40, fps=FPS, width=SIZE[0], height=SIZE[1])
    estimator = RecordedEstimator(_scene())
    done: list[tuple[int, int]] = []
    result = analyze_file(video, estimator=estimator, on_frame=lambda n, total: done.append((n, total)))
    assert estimator.timestamps == [round(i * 1000 / FPS) for i in range(40)]
    assert not estimator.closed  # a caller's estimator is the caller's to close
    assert done[0] == (1, 40) and done[-1] == (40, 40)
    return result


def test_people_are_numbered_in_order_of_appearance_without_fragments(analysis: VideoAnalysis) -> None:
    assert analysis.frames == 40
    assert [(p.id, p.first_frame, p.last_frame, p.frames_tracked) for p in analysis.people] == [
        (1, 0, 39, 40),
        (2, 20, 39, 20),
    ]
    assert analysis.model == "recorded"


def test_default_subject_is_the_larger_long_tracked_person(analysis: VideoAnalysis) -> None:
    assert analysis.subject == 2


def test_landmark_series_are_nan_where_a_person_is_not_seen(analysis: VideoAnalysis) -> None:
    assert analysis.image.shape == (2, 40, 33, 4)
    assert analysis.world.shape == (2, 40, 33, 4)
    subject = analysis.image_landmarks()
    assert subject.shape == (40, 33, 4)
    assert np.isnan(subject[:20]).all() and np.isfinite(subject[20:]).all()
    expected = person(centre_x=230, top_y=10, height=200, frame_size=SIZE).image
    np.testing.assert_allclose(subject[25], expected)
    np.testing.assert_allclose(
        analysis.image_landmarks(1)[7], person(centre_x=67, top_y=100, height=100, frame_size=SIZE).image
    )
    assert np.isfinite(analysis.world_landmarks(1)).all()
    np.testing.assert_allclose(analysis.time_s[:3], [0.0, 0.05, 0.1])
    with pytest.raises(LookupError):
        analysis.image_landmarks(9)


def test_subject_override(tmp_path: Path) -> None:
    video = write_video(tmp_path / "clip.mp4", frames=40, fps=FPS, width=SIZE[0], height=SIZE[1])
    assert analyze_file(video, estimator=RecordedEstimator(_scene()), subject=1).subject == 1
    with pytest.raises(UnknownSubjectError):
        analyze_file(video, estimator=RecordedEstimator(_scene()), subject=3)


def test_exports_agree_with_the_analysis(analysis: VideoAnalysis, tmp_path: Path) -> None:
    out = tmp_path / "out"
    written = write_outputs(analysis, json_path=out / "clip.json", csv_path=out / "clip.csv")
    assert [p.name for p in written] == ["clip.json", "clip.npz", "clip.csv"]
    document = json.loads((out / "clip.json").read_text())
    assert document["video"] == {
        "file": "clip.mp4",
        "fps": 20.0,
        "frames": 40,
        "width": 320,
        "height": 240,
        "rotation_deg": 0,
        "codec": "FMP4",
        "duration_s": 2.0,
    }
    assert document["model"] == "recorded"
    assert document["subject"] == 2
    assert document["landmarks_file"] == "clip.npz"
    assert [
        (p["id"], p["first_frame"], p["last_frame"], p["frames_tracked"]) for p in document["people"]
    ] == [
        (1, 0, 39, 40),
        (2, 20, 39, 20),
    ]
    with np.load(out / "clip.npz") as npz:
        np.testing.assert_array_equal(npz["image"], analysis.image)
        np.testing.assert_array_equal(npz["world"], analysis.world)
        assert list(npz["person_ids"]) == [1, 2] and int(npz["subject"]) == 2
        assert list(npz["landmark_names"]) == list(LANDMARK_NAMES)
    with (out / "clip.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 60  # one per frame and person seen: 40 + 20
    row = next(r for r in rows if r["frame"] == "25" and r["person_id"] == "2")
    assert row["is_subject"] == "1"
    assert float(row["left_knee_y_px"]) == pytest.approx(analysis.image[1, 25, 25, 1], rel=1e-5)
    assert float(row["nose_world_y_m"]) == pytest.approx(analysis.world[1, 25, 0, 1], rel=1e-5)


def test_failed_export_leaves_nothing_behind(analysis: VideoAnalysis, tmp_path: Path) -> None:
    blocked = tmp_path / "blocked.csv"
    blocked.mkdir()  # a folder where the CSV should go
    with pytest.raises(OSError):
        write_outputs(analysis, json_path=tmp_path / "a.json", csv_path=blocked)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocked.csv", "clip.mp4"]


def test_implausible_height_is_refused(tmp_path: Path) -> None:
    video = write_video(tmp_path / "clip.mp4", frames=5)
    with pytest.raises(ValueError, match=r"between 0\.5 and 2\.5 metres"):
        analyze_file(video, estimator=RecordedEstimator({}), height_m=17.0)
