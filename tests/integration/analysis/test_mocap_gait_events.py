"""Gait events from motion-capture markers against force-plate events (data in ../shared/data/mocap)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from analysis.gait import detect_gait_events, gait_parameters, scale_from_units
from analysis.trc import read_trc, write_trc
from analysis.types import Trajectories

TRIALS = {
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
MATCH_TOLERANCE_S = 0.05


def _load(shared_data: Path, trial: str) -> tuple[Trajectories, list[dict[str, str]]]:
    name, roles = TRIALS[trial]
    traj = read_trc(shared_data / "mocap" / trial / name).trajectories
    points = {role: traj.mean_of(markers) for role, markers in roles.items()}
    with open(shared_data / "mocap" / trial / "gait_events_from_grf.csv", newline="") as fh:
        plate = list(csv.DictReader(fh))
    return Trajectories(points=points, sampling_rate_hz=traj.sampling_rate_hz, axes=traj.axes), plate


def _plate_windows(
    trial: str, plate: list[dict[str, str]], duration_s: float
) -> dict[str, tuple[float, float]]:
    """Per foot, the time span in which the force plates would have seen every event of that foot."""
    if trial == "gait2354_treadmill_walk":
        # Both feet are on force measurement for the whole trial.
        return {"left": (0.0, duration_s), "right": (0.0, duration_s)}
    out = {}
    for foot in ("left", "right"):
        times = [float(e["time_s"]) for e in plate if e["foot"] == foot]
        out[foot] = (min(times), max(times))
    return out


@pytest.mark.parametrize("trial", sorted(TRIALS))
@pytest.mark.parametrize("mirror", [False, True], ids=["as_recorded", "walking_backwards_axes"])
def test_marker_events_match_force_plates(shared_data: Path, trial: str, mirror: bool) -> None:
    traj, plate = _load(shared_data, trial)
    if mirror:
        # Rotate 180 degrees about the vertical: the same walk in the opposite direction.
        flip = np.array([-1.0, 1.0, -1.0])
        traj = Trajectories(
            points={k: v * flip for k, v in traj.points.items()},
            sampling_rate_hz=traj.sampling_rate_hz,
            axes=traj.axes,
        )
    result = detect_gait_events(traj)
    assert result.vertical_axis == 1 and result.up_sign == 1.0
    matched = set()
    errors = []
    for e in plate:
        cands = [d for d in result.events if d.foot == e["foot"] and d.event == e["event"]]
        assert cands, f"no {e['foot']} {e['event']} detected at all"
        best = min(cands, key=lambda d: abs(d.time_s - float(e["time_s"])))
        err = best.time_s - float(e["time_s"])
        assert abs(err) < MATCH_TOLERANCE_S, f"plate {e['foot']} {e['event']} at {e['time_s']} s not found"
        matched.add(best)
        errors.append(err)
    windows = _plate_windows(trial, plate, traj.n_frames / traj.sampling_rate_hz)
    invented = [
        d
        for d in result.events
        if d not in matched
        and windows[d.foot][0] - MATCH_TOLERANCE_S <= d.time_s <= windows[d.foot][1] + MATCH_TOLERANCE_S
    ]
    assert not invented, f"events inside the plate windows without a plate event: {invented}"
    mae_ms = 1000 * float(np.mean(np.abs(errors)))
    print(f"{trial} mirror={mirror}: {len(errors)} plate events, mean absolute timing error {mae_ms:.1f} ms")
    assert mae_ms < 20.0


def test_treadmill_cadence_and_overground_speed(shared_data: Path) -> None:
    traj, _ = _load(shared_data, "gait2354_treadmill_walk")
    ev = detect_gait_events(traj)
    p = gait_parameters(ev, traj, scale=scale_from_units(traj))
    # Manifest: cadence about 98 steps/min.
    assert p.cadence_steps_per_min == pytest.approx(98, abs=3)
    traj, _ = _load(shared_data, "rajagopal2016_overground_walk")
    ev = detect_gait_events(traj)
    p = gait_parameters(ev, traj, scale=scale_from_units(traj))
    # Manifest: overground walk at about 1.25 m/s; the pelvis moves ~3 m in 2.37 s.
    assert p.gait_speed_m_per_s == pytest.approx(1.25, abs=0.12)
    assert p.step_length_m is not None and 0.55 < p.step_length_m.both.mean < 0.8


def test_trc_round_trip(shared_data: Path, tmp_path: Path) -> None:
    src = read_trc(shared_data / "mocap" / "rajagopal2016_overground_walk" / "motion_capture_walk.trc")
    pts = dict(src.trajectories.points)
    pts["R.Heel"] = pts["R.Heel"].copy()
    pts["R.Heel"][5:9] = np.nan  # missing samples must survive as empty fields
    out = tmp_path / "copy.trc"
    write_trc(out, pts, sampling_rate_hz=src.trajectories.sampling_rate_hz, units="mm")
    back = read_trc(out)
    assert list(back.trajectories.points) == list(pts)
    assert back.trajectories.sampling_rate_hz == 100.0 and back.units == "mm"
    np.testing.assert_allclose(back.trajectories.get("L.Toe"), pts["L.Toe"], atol=1e-4)
    assert np.isnan(back.trajectories.get("R.Heel")[5:9]).all()
    assert np.isfinite(back.trajectories.get("R.Heel")[9]).all()


def _cmd_args(shared_data: Path) -> list[str]:
    return [
        str(shared_data / "mocap" / "gait2354_treadmill_walk" / "subject01_walk1.trc"),
        "--map=left_heel=L.Heel",
        "--map=right_heel=R.Heel",
        "--map=left_toe=L.Toe.Tip",
        "--map=right_toe=R.Toe.Tip",
        "--map=pelvis=R.ASIS,L.ASIS,V.Sacral",
    ]


def test_gait_events_command_writes_json(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "events.json"
    call_command("gait_events", *_cmd_args(shared_data), "--json", str(out))
    data = json.loads(out.read_text())
    assert data["vertical_axis"] == "+y"
    ics = [e for e in data["events"] if e["event"] == "initial_contact" and e["foot"] == "right"]
    assert [round(e["time_s"], 1) for e in ics] == [0.6, 1.8]
    assert data["parameters"]["cadence_steps_per_min"] == pytest.approx(98, abs=3)
    assert set(data["parameters"]["stance_time_s"]) == {"left", "right", "both"}


def test_gait_events_command_overrides(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "events.json"
    # Walking towards -x with the axis given explicitly: toe-offs and contacts swap meaning, so the
    # override is honoured rather than ignored (a contact becomes the heel's most posterior point).
    call_command(
        "gait_events",
        *_cmd_args(shared_data),
        "--json",
        str(out),
        "--vertical-axis",
        "y",
        "--up",
        "+",
        "--direction=+x",
    )
    forward = json.loads(out.read_text())
    call_command("gait_events", *_cmd_args(shared_data), "--json", str(out), "--direction=-x")
    backward = json.loads(out.read_text())
    assert forward["walking_direction"] == "+x" and backward["walking_direction"] == "-x"
    assert [e["time_s"] for e in forward["events"]] != [e["time_s"] for e in backward["events"]]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--map=pelvis=Nope"], "is not in"),
        (["--map=elbow=R.Elbow"], "Unknown role"),
        (["--direction=up"], "--direction"),
    ],
)
def test_gait_events_command_bad_input(shared_data: Path, extra: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("gait_events", *_cmd_args(shared_data), *extra)


def test_gait_events_command_missing_map_and_file(shared_data: Path, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Missing --map"):
        call_command("gait_events", str(tmp_path / "x.trc"), "--map=left_heel=L.Heel")
    with pytest.raises(CommandError, match="No such file"):
        call_command("gait_events", str(tmp_path / "x.trc"), *_cmd_args(shared_data)[1:])
    bad = tmp_path / "bad.trc"
    bad.write_text("hello\n")
    with pytest.raises(CommandError, match="not an OpenSim TRC file"):
        call_command("gait_events", str(bad), *_cmd_args(shared_data)[1:])
