"""Force-plate reference events on synthetic plates: crossing time, foot, flags, censoring."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.c3d import ForcePlate
from analysis.gait.forceplate import ForcePlateConfig, forceplate_events, plate_contacts
from analysis.types import Axes, Trajectories

ANALOG_HZ = 1000.0
MARKER_HZ = 100.0
DURATION_S = 2.0
PEAK_N = 800.0
ON_S, OFF_S = 0.5, 1.1
# Plate 600 x 400 mm, surface at z = 0 (lab Z up).
CORNERS = np.array([[0.6, 0.4, 0.0], [0.0, 0.4, 0.0], [0.0, 0.0, 0.0], [0.6, 0.0, 0.0]])
Z_UP = Axes(vertical=2, up_sign=1.0, metres_per_unit=1.0, units="m")


def _plate(vertical_n: np.ndarray, cop_xy: tuple[float, float] = (0.3, 0.2)) -> ForcePlate:
    n = vertical_n.size
    force = np.zeros((n, 3))
    force[:, 2] = vertical_n
    cop = np.tile([cop_xy[0], cop_xy[1], 0.0], (n, 1))
    return ForcePlate(
        number=1,
        plate_type=2,
        corners_m=CORNERS,
        origin_m=np.zeros(3),
        force_n=force,
        moment_nm=np.zeros((n, 3)),
        cop_m=cop,
        sampling_rate_hz=ANALOG_HZ,
        start_time_s=0.0,
    )


def _stance() -> np.ndarray:
    t = np.arange(int(DURATION_S * ANALOG_HZ)) / ANALOG_HZ
    return np.where((t > ON_S) & (t < OFF_S), PEAK_N * np.sin(np.pi * (t - ON_S) / (OFF_S - ON_S)), 0.0)


def _feet(
    *,
    left_heel: tuple[float, float],
    right_heel: tuple[float, float],
    right_from_s: tuple[float, float] | None = None,
) -> Trajectories:
    """Feet standing still (markers 3 cm above the floor, toe 0.2 m ahead of the heel in +x);
    ``right_from_s`` = (time, x): the right foot moves to that heel x (y unchanged) at that time."""
    n = int(DURATION_S * MARKER_HZ)
    t = np.arange(n) / MARKER_HZ
    pts = {}
    for foot, heel in (("left", left_heel), ("right", right_heel)):
        h = np.tile([heel[0], heel[1], 0.03], (n, 1))
        if foot == "right" and right_from_s is not None:
            h[t >= right_from_s[0], 0] = right_from_s[1]
        pts[f"{foot}_heel"] = h
        pts[f"{foot}_toe"] = h + np.array([0.2, 0.0, 0.0])
    return Trajectories(points=pts, sampling_rate_hz=MARKER_HZ, axes=Z_UP)


def test_crossings_foot_and_clean_status() -> None:
    contacts = plate_contacts(
        [_plate(_stance())], _feet(left_heel=(0.1, 0.2), right_heel=(-0.6, 0.2)), marker_start_time_s=0.0
    )
    assert len(contacts) == 1
    c = contacts[0]
    assert (c.foot, c.ic_status, c.to_status, c.flags) == ("left", "clean", "clean", ())
    # Where the half-sine itself crosses 20 N; the zero-lag 50 Hz filter moves it by well under 2 ms.
    rise = (OFF_S - ON_S) / math.pi * math.asin(20.0 / PEAK_N)
    assert c.ic_s == pytest.approx(ON_S + rise, abs=0.002)
    assert c.to_s == pytest.approx(OFF_S - rise, abs=0.002)
    assert c.peak_n == pytest.approx(PEAK_N, rel=0.01)
    events = forceplate_events(contacts)
    assert [(e.foot, e.event, e.status) for e in events] == [
        ("left", "initial_contact", "clean"),
        ("left", "toe_off", "clean"),
    ]


def test_other_foot_stepping_on_flags_the_toe_off_only() -> None:
    feet = _feet(left_heel=(0.1, 0.2), right_heel=(-0.6, 0.1), right_from_s=(0.9, 0.05))
    (c,) = plate_contacts([_plate(_stance())], feet, marker_start_time_s=0.0)
    assert (c.foot, c.ic_status, c.to_status) == ("left", "clean", "flagged")
    assert "other_foot_on_plate_at_to" in c.flags
    # The first frame whose neighbours both have the right foot standing over the plate.
    assert c.other_foot_from_s == pytest.approx(0.91, abs=1e-9)


def test_both_heels_over_the_plate_foot_from_centre_of_pressure() -> None:
    # Both heels over the plate at contact: the centre of pressure (under the right foot) decides,
    # and the initial contact is flagged because the plate carries both feet.
    feet = _feet(left_heel=(0.05, 0.3), right_heel=(0.05, 0.1))
    (c,) = plate_contacts([_plate(_stance(), cop_xy=(0.15, 0.1))], feet, marker_start_time_s=0.0)
    assert c.foot == "right"
    assert "foot_from_cop" in c.flags
    assert c.ic_status == "flagged"


def test_heel_off_the_plate_is_flagged() -> None:
    feet = _feet(left_heel=(-0.05, 0.2), right_heel=(-0.8, 0.2))
    (c,) = plate_contacts([_plate(_stance(), cop_xy=(0.1, 0.2))], feet, marker_start_time_s=0.0)
    assert c.foot == "left"
    assert c.ic_status == "flagged" and "heel_off_plate_at_ic" in c.flags


def test_short_knocks_are_no_contact_and_edge_contacts_are_censored() -> None:
    fz = _stance()
    fz[: int(0.2 * ANALOG_HZ)] = 600.0  # already loaded when the recording starts
    fz[int(1.5 * ANALOG_HZ) : int(1.54 * ANALOG_HZ)] = 200.0  # 40 ms knock
    feet = _feet(left_heel=(0.1, 0.2), right_heel=(-0.6, 0.2))
    contacts = plate_contacts([_plate(fz)], feet, marker_start_time_s=0.0)
    assert [(c.ic_s is None, c.to_s is None) for c in contacts] == [(True, False), (False, False)]
    # An abrupt unloading at 0.2 s: the 50 Hz filter spreads the step over about +-10 ms, so the
    # 20 N crossing (3 % of the step) lands a few ms after it.
    assert 0.2 < contacts[0].to_s < 0.21
    longer = plate_contacts(
        [_plate(fz)], feet, marker_start_time_s=0.0, config=ForcePlateConfig(min_contact_s=0.03)
    )
    assert len(longer) == 3


def test_a_foot_swinging_low_over_the_plate_is_not_standing_on_it() -> None:
    feet = _feet(left_heel=(0.1, 0.2), right_heel=(-0.6, 0.1))
    n = feet.n_frames
    t = np.arange(n) / MARKER_HZ
    heel = feet.get("right_heel").copy()
    # 3 m/s across the plate (x 0 to 0.6 m) between 0.7 and 1.1 s, 3 cm above it (as low as a
    # standing marker), coming to rest beyond it.
    swing = (t >= 0.7) & (t <= 1.1)
    heel[swing, 0] = -0.3 + 3.0 * (t[swing] - 0.7)
    heel[t > 1.1, 0] = 0.9
    swinging = feet.with_points({"right_heel": heel, "right_toe": heel + np.array([0.2, 0.0, 0.0])})
    (c,) = plate_contacts([_plate(_stance())], swinging, marker_start_time_s=0.0)
    assert c.other_foot_from_s is None
    assert (c.ic_status, c.to_status) == ("clean", "clean")
    # The speed criterion is what excludes it: allow 4 m/s and the same path reads as standing.
    (c_lax,) = plate_contacts(
        [_plate(_stance())],
        swinging,
        marker_start_time_s=0.0,
        config=ForcePlateConfig(standing_speed_m_s=4.0),
    )
    assert c_lax.other_foot_from_s is not None and 0.7 <= c_lax.other_foot_from_s <= 1.1
