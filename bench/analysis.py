"""Benchmark: analyse 10 minutes of 30 fps BlazePose landmarks (target under 5 s).

Input: MediaPipe's published reference landmarks of squats_front.mp4 (real model output, 65
frames) tiled to 18,000 frames with a little noise and a slow walk-like drift, so that every
stage has real-looking data. Stages: swap repair, Hampel, gap-aware low-pass, joint angles, gait
events and parameters, exercise repetitions with cues, centre of mass and sway, REBA.
Anchor, measured in the same run: one bare ``scipy.signal.sosfiltfilt`` pass over all landmark
coordinates (the least any filtering analysis must do). The 3D skeleton refinement is an offline
step and is timed separately on 300 frames.

Run: .venv/bin/python bench/analysis.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
from scipy import signal as sps

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.angles import joint_angles, ranges_of_motion
from analysis.balance import centre_of_mass, sway
from analysis.ergonomics import reba_scores, reba_summary
from analysis.exercise import analyze_exercise
from analysis.gait import detect_gait_events, gait_parameters
from analysis.refine3d import refine_skeleton
from analysis.signals import hampel, lowpass, repair_landmark_swaps
from analysis.types import Trajectories

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "videos"
FPS = 30.0
FRAMES = int(10 * 60 * FPS)


def _load(kind: str) -> np.ndarray:
    arr = np.asarray(json.loads((DATA / f"squats_front.reference_blazepose_full_{kind}.json").read_text()))
    return np.concatenate([arr, np.ones((*arr.shape[:2], 1))], axis=-1)


def _landmarks() -> np.ndarray:
    ref = _load("2d")
    reps = int(np.ceil(FRAMES / ref.shape[0]))
    lm = np.tile(ref, (reps, 1, 1))[:FRAMES].copy()
    rng = np.random.default_rng(0)
    lm[..., :2] += rng.normal(0, 1.5, size=lm[..., :2].shape)
    lm[..., 0] += 200 * np.sin(np.arange(FRAMES) / FPS * 0.2)[:, None]
    lm[rng.random(lm.shape[:2]) < 0.01] = np.nan  # 1 % of landmarks unseen
    return lm


def analyse(lm: np.ndarray) -> dict[str, float]:
    fixed, _ = repair_landmark_swaps(lm)
    xyz = fixed[..., :3].reshape(FRAMES, -1)
    xyz, _ = hampel(xyz)
    xyz = lowpass(xyz, sampling_rate_hz=FPS, max_gap_frames=int(0.25 * FPS))
    fixed[..., :3] = xyz.reshape(FRAMES, 33, 3)
    traj = Trajectories.from_landmarks(fixed, sampling_rate_hz=FPS)
    angles = joint_angles(traj)
    rom = ranges_of_motion(angles)
    ev = detect_gait_events(traj)
    gait = gait_parameters(ev, traj)
    ex = analyze_exercise(traj, "squat")
    com = centre_of_mass(traj)
    sw = sway(com, sampling_rate_hz=FPS, traj=traj)
    reba = reba_summary(reba_scores(traj), sampling_rate_hz=FPS)
    return {
        "reps": float(len(ex.reps)),
        "steps": float(gait.n_steps),
        "rom_left_knee": rom["left_knee_angle"].range_deg,
        "sway_path": sw.path_length,
        "reba": float(reba.final_score or 0),
    }


def main() -> None:
    lm = _landmarks()
    sos = sps.butter(2, 6.0, fs=FPS, output="sos")
    flat = np.nan_to_num(lm[..., :3].reshape(FRAMES, -1))
    t0 = time.perf_counter()
    sps.sosfiltfilt(sos, flat, axis=0)
    anchor_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    out = analyse(lm)
    total_s = time.perf_counter() - t0
    world, image = _load("world3d"), _load("2d")
    reps = int(np.ceil(300 / world.shape[0]))
    t0 = time.perf_counter()
    ref = refine_skeleton(np.tile(world, (reps, 1, 1))[:300], np.tile(image, (reps, 1, 1))[:300])
    refine_s = time.perf_counter() - t0
    print(f"frames analysed: {FRAMES} ({FRAMES / FPS / 60:.0f} min at {FPS:.0f} fps)")
    print(
        f"results: {out['reps']:.0f} squat reps, REBA {out['reba']:.0f}, sway path {out['sway_path']:.0f} px"
    )
    print(f"anchor (one sosfiltfilt pass over all coordinates): {anchor_s * 1000:.1f} ms")
    print(f"refinement: bone-length CV {ref.bone_cv_before_pct:.2f} % -> {ref.bone_cv_after_pct:.3f} %")
    print(f"analysis_10min_s: {total_s:.2f}")
    print(f"analysis_vs_anchor_ratio: {total_s / anchor_s:.1f}")
    print(f"analysis_frames_per_s: {FRAMES / total_s:.0f}")
    print(f"refine3d_frames_per_s: {300 / refine_s:.0f}")
    print(f"target_met: {'yes' if total_s < 5.0 else 'no'}")


if __name__ == "__main__":
    main()
