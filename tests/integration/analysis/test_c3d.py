"""C3D input: the reader, the lab's EVENT group and force-plate reference events on smk_overground.

Data: ../shared/data/mocap/multilab/smk_overground (Sint Maartenskliniek, Vicon, 100 Hz markers,
2400 Hz analog, 2 plates): ``trial.c3d``, the same markers exported as ``markers.trc`` (OpenSim
frame, millimetres), the lab's events ``ref_lab_events.csv`` and the 20 N plate events
``ref_forceplate_events.csv``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from analysis.c3d import read_c3d
from analysis.gait.forceplate import forceplate_events, plate_contacts
from analysis.trc import read_trc
from analysis.types import InputError, Trajectories

TRIAL = Path("mocap") / "multilab" / "smk_overground"
ANALOG_SAMPLE_S = 1 / 2400


def _case(shared_data: Path) -> dict[str, object]:
    return dict(json.loads((shared_data / TRIAL / "case.json").read_text()))


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def _map_args(shared_data: Path) -> list[str]:
    roles = _case(shared_data)["map"]
    assert isinstance(roles, dict)
    return [arg for role, names in roles.items() for arg in ("--map", f"{role}={','.join(names)}")]


def test_reader_markers_rate_and_units_match_the_trc_export(shared_data: Path) -> None:
    case = _case(shared_data)
    data = read_c3d(shared_data / TRIAL / "trial.c3d")
    traj = data.trajectories
    assert traj.sampling_rate_hz == 100.0
    assert data.analog_rate_hz == 2400.0
    assert traj.n_frames == 459
    assert data.start_time_s == pytest.approx(0.01)
    assert traj.axes.vertical == 2 and traj.axes.up_sign == 1.0 and traj.axes.metres_per_unit == 1.0
    roles = case["map"]
    assert isinstance(roles, dict)
    assert {n for names in roles.values() for n in names} <= set(traj.points)
    # Model outputs (joint angles, forces, powers) are not markers.
    assert "LKneeAngles" not in traj.points and "RHipPower" not in traj.points
    trc = read_trc(shared_data / TRIAL / "markers.trc")
    assert set(trc.trajectories.points) == set(traj.points)
    np.testing.assert_allclose(trc.time_s, data.time_s, atol=1e-6)
    for name in ("LHEE", "RTOE", "LASI"):
        lab_m = traj.get(name)
        # OpenSim's frame is the lab's rotated -90 degrees about X: (x, y, z) -> (x, z, -y); mm -> m.
        opensim_m = trc.trajectories.get(name)[:, [0, 2, 1]] * np.array([1.0, -1.0, 1.0]) / 1000.0
        seen = np.isfinite(lab_m).all(axis=1)
        assert np.array_equal(seen, np.isfinite(opensim_m).all(axis=1))
        assert seen.sum() > 400
        assert np.max(np.abs(lab_m[seen] - opensim_m[seen])) < 0.001


def test_event_group_matches_the_labs_events(shared_data: Path) -> None:
    data = read_c3d(shared_data / TRIAL / "trial.c3d", with_force_plates=False)
    ref = _csv(shared_data / TRIAL / "ref_lab_events.csv")
    assert len(data.events) == len(ref) == 5
    for got, want in zip(data.events, ref, strict=True):
        assert (got.foot, got.event, got.label) == (want["foot"], want["event"], want["label"])
        assert got.time_s == pytest.approx(float(want["time_s"]), abs=1e-5)


def _feet(traj: Trajectories) -> Trajectories:
    names = {"left_heel": "LHEE", "right_heel": "RHEE", "left_toe": "LTOE", "right_toe": "RTOE"}
    return Trajectories(
        points={role: traj.get(name) for role, name in names.items()},
        sampling_rate_hz=traj.sampling_rate_hz,
        axes=traj.axes,
    )


def test_force_plates_reproduce_the_reference_events(shared_data: Path) -> None:
    data = read_c3d(shared_data / TRIAL / "trial.c3d")
    assert [(p.number, p.plate_type) for p in data.force_plates] == [(1, 2), (2, 2)]
    # Plate 1 is 600 x 400 mm with its surface at the lab floor (corners from FORCE_PLATFORM, mm -> m).
    corners = data.force_plates[0].corners_m
    assert np.ptp(corners[:, 0]) == pytest.approx(0.6, abs=1e-5)
    assert np.ptp(corners[:, 1]) == pytest.approx(0.4, abs=1e-5)
    assert np.allclose(corners[:, 2], 0.0)
    # Mid-stance of the right foot on plate 2: the centre of pressure (mm -> m) lies on the plate,
    # within a foot's length of the right heel, and the ground pushes up with about body weight.
    plate2 = data.force_plates[1]
    k = int(np.argmin(np.abs(plate2.time_s - 1.5)))
    cop = plate2.cop_m[k]
    lo, hi = plate2.corners_m.min(axis=0), plate2.corners_m.max(axis=0)
    assert np.all(cop[:2] >= lo[:2]) and np.all(cop[:2] <= hi[:2])
    heel = data.trajectories.get("RHEE")[round((1.5 - data.start_time_s) * 100)]
    assert np.linalg.norm((cop - heel)[:2]) < 0.3
    assert 150 < plate2.force_n[k, 2] < 1000
    contacts = plate_contacts(
        data.force_plates, _feet(data.trajectories), marker_start_time_s=data.start_time_s
    )
    events = forceplate_events(contacts)
    ref = _csv(shared_data / TRIAL / "ref_forceplate_events.csv")
    assert len(events) == len(ref) == 4
    for got, want in zip(events, ref, strict=True):
        assert (got.foot, got.event, str(got.plate), got.contact_id, got.status) == (
            want["foot"],
            want["event"],
            want["plate"],
            want["contact_id"],
            want["status"],
        )
        assert abs(got.time_s - float(want["time_s"])) < ANALOG_SAMPLE_S
    by_id = {c.contact_id: c for c in contacts}
    # The right foot steps onto plate 1 before the left leaves it: the left toe-off is not the left foot's.
    assert "other_foot_on_plate_at_to" in by_id["FP1_1"].flags
    assert by_id["FP2_1"].flags == ()
    ref_contacts = {r["contact_id"]: r for r in _csv(shared_data / TRIAL / "plate_contacts.csv")}
    for cid, contact in by_id.items():
        assert contact.peak_n == pytest.approx(float(ref_contacts[cid]["peak_N"]), abs=0.1)
        assert contact.heel_at_ic_m * 1000 == pytest.approx(float(ref_contacts[cid]["heel_ic_mm"]), abs=0.5)
    # The reference dates the right foot's arrival on plate 1 at 2.190 s; here a foot stands once its
    # marker is low and slower than 1 m/s, which the landing heel reaches a few frames earlier. The
    # right foot swinging over the plate near 1.94 s does not count.
    ref_from = float(ref_contacts["FP1_1"]["flags"].split("other_foot_from_")[1].rstrip("s"))
    assert by_id["FP1_1"].other_foot_from_s == pytest.approx(ref_from, abs=0.05)
    assert by_id["FP2_1"].other_foot_from_s is None


def test_command_reads_c3d_with_lab_and_forceplate_events(shared_data: Path, tmp_path: Path) -> None:
    out_c3d = tmp_path / "c3d.json"
    out_trc = tmp_path / "trc.json"
    args = _map_args(shared_data)
    call_command(
        "gait_events",
        str(shared_data / TRIAL / "trial.c3d"),
        *args,
        "--forceplate-events",
        "--json",
        str(out_c3d),
    )
    call_command("gait_events", str(shared_data / TRIAL / "markers.trc"), *args, "--json", str(out_trc))
    c3d, trc = json.loads(out_c3d.read_text()), json.loads(out_trc.read_text())
    # Same markers, other axes and units: the detector finds the same events at the same times.
    assert [(e["foot"], e["event"], e["time_s"]) for e in c3d["events"]] == [
        (e["foot"], e["event"], e["time_s"]) for e in trc["events"]
    ]
    assert c3d["vertical_axis"] == "+z" and trc["vertical_axis"] == "+y"
    assert "lab_events" not in trc
    lab = c3d["lab_events"]
    assert [(r["foot"], r["event"], r["label"]) for r in lab] == [
        (r["foot"], r["event"], r["label"]) for r in _csv(shared_data / TRIAL / "ref_lab_events.csv")
    ]
    detected = {(e["foot"], e["event"], e["time_s"]) for e in c3d["events"]}
    for row in lab:
        assert (row["foot"], row["event"], row["detected_time_s"]) in detected
        assert row["difference_ms"] == pytest.approx((row["detected_time_s"] - row["time_s"]) * 1000, abs=0.2)
        assert abs(row["difference_ms"]) < 50
    fp = c3d["forceplate"]
    assert [r["status"] for r in fp["events"]] == ["clean", "clean", "clean", "flagged"]
    clean = [r for r in fp["events"] if r["status"] == "clean" and r["difference_ms"] is not None]
    ic = [r["difference_ms"] for r in clean if r["event"] == "initial_contact"]
    err = fp["error_vs_clean"]["initial_contact"]
    assert err["n_reference"] == 2 and err["n_matched"] == len(ic) == 2
    assert err["mean_ms"] == pytest.approx(sum(ic) / 2, abs=0.1)
    assert err["max_abs_ms"] == pytest.approx(max(abs(d) for d in ic), abs=0.1)
    assert fp["error_vs_clean"]["toe_off"]["n_reference"] == 1


def test_truncated_or_foreign_c3d_gives_a_clear_error(shared_data: Path, tmp_path: Path) -> None:
    whole = (shared_data / TRIAL / "trial.c3d").read_bytes()
    truncated = tmp_path / "truncated.c3d"
    # Parameters intact, data cut after a few dozen frames: ezc3d reads what is there without complaint.
    truncated.write_bytes(whole[:200_000])
    with pytest.raises(InputError, match="truncated or damaged: its header announces 459 frames"):
        read_c3d(truncated)
    args = _map_args(shared_data)
    with pytest.raises(CommandError, match="truncated"):
        call_command("gait_events", str(truncated), *args)
    header_only = tmp_path / "header_only.c3d"
    header_only.write_bytes(whole[:600])
    with pytest.raises(CommandError, match="not a readable C3D file"):
        call_command("gait_events", str(header_only), *args)
    foreign = tmp_path / "notes.c3d"
    foreign.write_text("PathFileType\t4\t(X/Y/Z)\n" * 50)
    with pytest.raises(CommandError, match="not a C3D file"):
        call_command("gait_events", str(foreign), *args)
    with pytest.raises(CommandError, match=r"needs a \.c3d file"):
        call_command("gait_events", str(shared_data / TRIAL / "markers.trc"), *args, "--forceplate-events")


def test_unsupported_force_plates_are_refused_with_a_sentence(shared_data: Path, tmp_path: Path) -> None:
    import ezc3d

    args = _map_args(shared_data)
    type5 = ezc3d.c3d(str(shared_data / TRIAL / "trial.c3d"))
    type5["parameters"]["FORCE_PLATFORM"]["TYPE"]["value"] = [5, 5]
    type5.write(str(tmp_path / "type5.c3d"))
    y_up = ezc3d.c3d(str(shared_data / TRIAL / "trial.c3d"))
    y_up["parameters"]["POINT"]["Y_SCREEN"]["value"] = ["+Y"]
    y_up.write(str(tmp_path / "y_up.c3d"))
    # The markers still read; only the plates are refused, and only when asked for.
    assert read_c3d(tmp_path / "type5.c3d", with_force_plates=False).trajectories.n_frames == 459
    assert read_c3d(tmp_path / "y_up.c3d", with_force_plates=False).trajectories.axes.vertical == 1
    with pytest.raises(CommandError, match="force plate type 5 is not supported"):
        call_command("gait_events", str(tmp_path / "type5.c3d"), *args, "--forceplate-events")
    with pytest.raises(InputError, match=r"vertical axis is \+Z"):
        read_c3d(tmp_path / "y_up.c3d")
