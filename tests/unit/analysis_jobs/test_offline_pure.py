"""Pure parts of the offline analysis: configuration, sequence format, metric mapping, file checks."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.activity_frames import activity_frames
from analysis.angles import RangeOfMotion
from analysis.balance import SingleLegStance, StanceBout
from analysis.camera_view import CameraView, CameraViews, ViewConfig, ViewSegment
from analysis.ergonomics import RebaConfig, RebaSummary
from analysis.exercise import ExerciseResult
from analysis.exercise.cues import CueConfig
from analysis.exercise.reps import Rep, RepConfig
from analysis.gait import GaitEvents, GaitParameters
from analysis.gait.events import GaitEventConfig
from analysis.gait.parameters import Sided
from analysis.gait.symmetry import Stats, symmetry
from analysis.measurements import Assessment, Assessor
from analysis.report import ReportConfig
from analysis.results import (
    AnalysisNotes,
    BalanceSection,
    Ergonomics,
    ExerciseSection,
    GaitSection,
    ScaleNote,
    SkeletonFit,
    VideoResult,
    VideoSections,
)
from analysis.section_values import angle_values, balance_values, exercise_values, gait_values
from capture.sequence import LandmarkSequence, SequenceError, decode_sequence, encode_sequence
from clinic.analysis_jobs.config import ConfigError, analysis_config
from clinic.analysis_jobs.metrics import metric_values, withheld_values
from clinic.analysis_jobs.upload_check import UploadRefused, check_name_and_size


def test_config_has_one_spelling() -> None:
    assert analysis_config({}).to_dict() == {
        "model": "full", "activity": "auto", "height_m": None, "max_people": 3, "refine_3d": True,
    }  # fmt: skip
    assert analysis_config({"height_m": 1.7}) == analysis_config(height_m=1.70000001)
    assert analysis_config({"model": None}).model == "full"  # a blank form field is the default
    with pytest.raises(ConfigError, match="body height is in metres"):
        analysis_config(height_m=170)
    with pytest.raises(ConfigError, match="Unknown activity 'jog'"):
        analysis_config(activity="jog")
    with pytest.raises(ConfigError, match="between 1 and 10"):
        analysis_config(max_people=0)


def test_a_test_run_live_keeps_its_start_in_the_config_and_nothing_else_changes_spelling() -> None:
    live = analysis_config({"activity": "chair_stand_30s", "test_start_s": 0.0}).to_dict()
    assert live["test_start_s"] == 0.0
    # An upload's config is spelled as before the option existed (its idempotency key is unchanged).
    assert "test_start_s" not in analysis_config({"activity": "chair_stand_30s"}).to_dict()
    for wrong in (-1.0, True, "0"):
        with pytest.raises(ConfigError, match="seconds into the recording"):
            analysis_config(test_start_s=wrong)


def _landmarks(people: int = 2, frames: int = 5) -> np.ndarray:
    rng = np.random.default_rng(7)
    data = rng.normal(size=(people, frames, 33, 4))
    data[1, 2] = np.nan  # the second person unseen in frame 2
    return data


def test_sequence_round_trip_is_byte_for_byte_reproducible() -> None:
    image, world = _landmarks(), _landmarks() / 100
    kwargs = dict(
        person_ids=[1, 2], subject=2, sampling_rate_hz=30.0, width_px=640, height_px=480, model="lite"
    )
    data = encode_sequence(LandmarkSequence(image=image, world=world, **kwargs))  # type: ignore[arg-type]
    assert encode_sequence(LandmarkSequence(image=image.copy(), world=world.copy(), **kwargs)) == data  # type: ignore[arg-type]
    seq = decode_sequence(data)
    assert (
        seq.frames == 5 and seq.person_ids == (1, 2) and seq.model == "lite" and seq.sampling_rate_hz == 30.0
    )
    np.testing.assert_array_equal(seq.subject_image(), image[1])
    np.testing.assert_array_equal(seq.subject_world(), world[1])
    nobody = decode_sequence(
        encode_sequence(LandmarkSequence(image=image, world=world, **{**kwargs, "subject": None}))
    )  # type: ignore[arg-type]
    with pytest.raises(SequenceError, match="No person was detected"):
        nobody.subject_image()
    with pytest.raises(SequenceError, match=r"not a readable \.npz"):
        decode_sequence(b"PK not really a zip")
    with pytest.raises(SequenceError, match="equal shape"):
        encode_sequence(LandmarkSequence(image=image, world=world[:, :3], **kwargs))  # type: ignore[arg-type]


NAN = float("nan")


def _stats(mean: float) -> Stats:
    return Stats(mean=mean, sd=NAN, cv_pct=NAN, n=3)


def _sided(mean: float) -> Sided:
    return Sided(left=_stats(NAN), right=_stats(NAN), both=_stats(mean))


def _rom(range_deg: float) -> RangeOfMotion:
    return RangeOfMotion(min_deg=NAN, max_deg=NAN, range_deg=range_deg, mean_deg=NAN, n_frames=10)


def _rep(index: int, *, complete: bool, depth: float) -> Rep:
    return Rep(
        index=index, start_frame=0, bottom_frame=1, end_frame=2, complete=complete, reason=None,
        depth=depth, phases=(), duration_s=1.0,
    )  # fmt: skip


FRAMES = 30


def _assessor(view: CameraView = "sagittal") -> Assessor:
    """Every landmark seen with visibility 1 and still (no jitter), one ``view`` segment."""
    landmarks = np.ones((FRAMES, 33, 4))
    landmarks[:, :, :2] = np.random.default_rng(3).uniform(100, 500, size=(33, 2))
    return Assessor(
        views=CameraViews(
            segments=(ViewSegment(view=view, start_frame=0, end_frame=FRAMES - 1, yaw_deg=80.0),),
            n_frames=FRAMES, sampling_rate_hz=30.0, config=ViewConfig(),
        ),
        activity=activity_frames(activity=None, spans=[], n_frames=FRAMES, sampling_rate_hz=30.0),
        landmarks=landmarks, sampling_rate_hz=30.0, activity_name=None, scale_reason="no body height given",
    )  # fmt: skip


def _result(
    *,
    gait: GaitParameters | None = None,
    angles: dict[str, RangeOfMotion] | None = None,
    longest: StanceBout | None = None,
    exercise: ExerciseResult | None = None,
    reba_score: int | None = None,
    view: CameraView = "sagittal",
) -> VideoResult:
    """A typed result holding only what the metrics read (the rest is left empty), judged as
    the analysis judges it (:mod:`analysis.section_values`) with landmarks seen well in ``view``."""
    events = GaitEvents(
        events=(), sampling_rate_hz=30.0, n_frames=0, vertical_axis=1, up_sign=1.0,
        direction=np.zeros((0, 3)), leg_length_units=1.0, config=GaitEventConfig(),
    )  # fmt: skip
    stance = SingleLegStance(
        bouts=[longest] if longest else [], longest=longest, touchdown=False, recording_s=20.0
    )
    reba = RebaSummary(
        final_score=reba_score, risk_level=None, time_share={}, scored_frames=10,
        repetitions_per_min=0.0, config=RebaConfig(),
    )  # fmt: skip
    gait_section = (
        None if gait is None else GaitSection(events=events, parameters=gait, sampling_rate_hz=30.0)
    )
    exercise_section = None if exercise is None else ExerciseSection(result=exercise)
    balance_section = None if longest is None else BalanceSection(stance=stance, sway=None)
    assessor = _assessor(view)
    assessment = Assessment.of(
        assessor,
        gait_values(gait_section, assessor)
        + exercise_values(exercise_section, assessor)
        + balance_values(balance_section, assessor)
        + angle_values(angles or {}, {}, assessor),
    )
    return VideoResult(
        sections=VideoSections(
            gait=gait_section,
            exercise=exercise_section,
            angles=angles or {},
            balance=balance_section,
            assessment=assessment,
            analysis=AnalysisNotes(
                activity="auto",
                detected=(),
                absent={},
                scale=ScaleNote(source="none", metres_per_pixel=None, detail=""),
                config=ReportConfig(),
            ),
        ),
        ergonomics=Ergonomics(summary=None if reba_score is None else reba),
        skeleton_fit=SkeletonFit(fit=None, reason="not requested"),
    )


def test_metric_mapping_units_sides_and_definitions() -> None:
    gait = GaitParameters(
        step_time_s=_sided(0.59), stride_time_s=_sided(1.2), stance_time_s=_sided(NAN),
        swing_time_s=_sided(NAN), double_support_time_s=_sided(NAN), stance_pct=61.0, swing_pct=39.0,
        double_support_pct=22.0, cadence_steps_per_min=101.5,
        step_length_m=None, stride_length_m=None,
        gait_speed_m_per_s=NAN,  # no scale: left out, not recorded as 0
        scale=None, symmetry={"step_time_s": symmetry(0.6, 0.5)}, flags=[], norms=[], n_steps=8,
    )  # fmt: skip
    exercise = ExerciseResult(
        kind="squat", complete_reps=2, partial_reps=1, unit="deg", cues={},
        reps=[_rep(0, complete=True, depth=70.0), _rep(1, complete=True, depth=82.5),
              _rep(2, complete=False, depth=99.0)],
        rep_config=RepConfig(), cue_config=CueConfig(),
    )  # fmt: skip
    longest = StanceBout(
        stance_side="left", start_s=1.0, end_s=13.25, duration_s=12.25, ended_by_touchdown=False
    )
    result = _result(
        gait=gait,
        angles={"left_knee_flexion": _rom(55.5), "right_knee_flexion": _rom(NAN)},
        longest=longest,
        exercise=exercise,
        reba_score=6,
    )
    values = metric_values(result)
    plain = {(v.metric, v.value, v.unit, v.side) for v in values}
    assert ("cadence", 101.5, "steps/min", "") in plain
    assert ("step_time_symmetry", 83.33, "%", "") in plain  # 100 * 0.5 / 0.6
    assert ("knee_flexion_rom", 55.5, "deg", "left") in plain
    assert ("single_leg_stance_time", 12.25, "s", "left") in plain
    assert ("squat_depth", 82.5, "deg", "") in plain  # complete reps only
    assert ("squat_complete_reps", 2.0, "count", "") in plain
    assert ("reba_score", 6.0, "score", "") in plain
    # Landmarks all seen, still, in a side view: every value is good and says its view.
    assert {(v.quality, v.view) for v in values} == {("good", "sagittal")}
    assert all(v.method for v in values)
    codes = [v.metric for v in values]
    assert "gait_speed" not in codes and "step_length_symmetry" not in codes
    assert codes.count("knee_flexion_rom") == 1
    # Lengths without a scale are withheld with the reason, not silently dropped.
    withheld = {(w.metric, w.side): w for w in withheld_values(result)}
    assert withheld[("gait_speed", "")].code == "no_scale"
    assert "no body height given" in withheld[("step_length", "left")].reason
    assert metric_values(_result()) == ()


def test_a_front_view_withholds_sagittal_metrics_and_keeps_timing() -> None:
    gait = GaitParameters(
        step_time_s=_sided(0.59), stride_time_s=_sided(1.2), stance_time_s=_sided(NAN),
        swing_time_s=_sided(NAN), double_support_time_s=_sided(NAN), stance_pct=61.0, swing_pct=39.0,
        double_support_pct=22.0, cadence_steps_per_min=101.5, step_length_m=None, stride_length_m=None,
        gait_speed_m_per_s=NAN, scale=None, symmetry={}, flags=[], norms=[], n_steps=8,
    )  # fmt: skip
    result = _result(gait=gait, angles={"left_knee_flexion": _rom(55.5)}, reba_score=6, view="frontal")
    codes = {v.metric for v in metric_values(result)}
    assert "cadence" in codes and "step_time" in codes
    assert "knee_flexion_rom" not in codes and "reba_score" not in codes
    withheld = {(w.metric, w.side): w for w in withheld_values(result)}
    assert withheld[("knee_flexion_rom", "left")].code == "wrong_view"
    assert withheld[("knee_flexion_rom", "left")].reason == (
        "left knee flexion range of motion needs a side view; this recording is frontal"
    )
    assert withheld[("reba_score", "")].code == "wrong_view"
    # A length from the front is withheld for the view, whether or not there is a scale.
    assert withheld[("step_length", "")].code == "wrong_view"
    assert withheld[("step_length", "")].reason == "step length needs a side view; this recording is frontal"


def test_an_implausible_value_is_withheld_with_its_range_and_source() -> None:
    result = _result(angles={"right_shoulder_flexion": _rom(250.0), "left_shoulder_flexion": _rom(120.0)})
    codes = {(v.metric, v.side) for v in metric_values(result)}
    assert ("shoulder_flexion_rom", "left") in codes and ("shoulder_flexion_rom", "right") not in codes
    (refused,) = [w for w in withheld_values(result) if w.metric == "shoulder_flexion_rom"]
    assert refused.code == "implausible" and refused.side == "right"
    assert "from 0 to 240 deg" in refused.reason and "AAOS" in refused.reason


def test_name_and_size_checks() -> None:
    assert check_name_and_size("Walk.MOV", size_bytes=10, max_bytes=100) == "video/quicktime"
    with pytest.raises(UploadRefused, match=r"^clip.gif is not a video we accept"):
        check_name_and_size("clip.gif", size_bytes=10, max_bytes=100)
    with pytest.raises(UploadRefused, match=r"^a.mp4 is empty \(0 bytes\)\.$"):
        check_name_and_size("a.mp4", size_bytes=0, max_bytes=100)
    with pytest.raises(UploadRefused, match=r"^a.mp4 is 2.0 MB; the largest video accepted is 1.0 MB\.$"):
        check_name_and_size("a.mp4", size_bytes=2_000_000, max_bytes=1_000_000)
