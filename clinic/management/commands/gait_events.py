"""``manage.py gait_events PATH.trc|PATH.c3d --map left_heel=NAME ...``: gait events from markers.

A thin adapter: parses the options, reads the file with :mod:`analysis.trc` or :mod:`analysis.c3d`,
runs :func:`analysis.gait.detect_gait_events` and prints or writes the JSON. For a C3D file the
lab's own events (EVENT group) are reported beside the detected ones with the difference per
event; ``--forceplate-events`` adds the force-plate reference events
(:mod:`analysis.gait.forceplate`) and the detector's error against the clean ones.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser

from analysis.c3d import C3dData, read_c3d
from analysis.gait import GAIT_POINTS, GaitEvents, detect_gait_events, gait_parameters, scale_from_units
from analysis.gait.forceplate import forceplate_events, plate_contacts
from analysis.gait.reference import Pairing, error_summary, pair_events
from analysis.markers import role_trajectories
from analysis.serialize import gait_events_to_dict
from analysis.trc import read_trc
from analysis.types import InputError, Trajectories

_SUFFIXES = (".trc", ".c3d")

_AXES = {"x": 0, "y": 1, "z": 2}


def _parse_maps(items: list[str]) -> dict[str, list[str]]:
    maps: dict[str, list[str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        names = [n.strip() for n in value.split(",") if n.strip()]
        if not sep or not names:
            raise CommandError(f"--map expects ROLE=MARKER[,MARKER...], got {item!r}.")
        if key not in GAIT_POINTS:
            raise CommandError(f"Unknown role {key!r} in --map; the roles are {', '.join(GAIT_POINTS)}.")
        maps[key] = names
    missing = [p for p in GAIT_POINTS if p not in maps]
    if missing:
        raise CommandError(f"Missing --map for {', '.join(missing)} (e.g. --map {missing[0]}=MARKER).")
    return maps


def _parse_direction(text: str | None) -> tuple[int, float] | None:
    if text is None:
        return None
    t = text.strip().lower()
    if len(t) != 2 or t[0] not in "+-" or t[1] not in _AXES:
        raise CommandError(f"--direction must look like +x, -x, +z or -z, got {text!r}.")
    return _AXES[t[1]], 1.0 if t[0] == "+" else -1.0


def _read(path: Path, *, with_plates: bool) -> tuple[Trajectories, float, C3dData | None]:
    """Markers, time of the first frame, and the C3D content (None for TRC)."""
    if path.suffix.lower() == ".c3d":
        c3d = read_c3d(path, with_force_plates=with_plates)
        return c3d.trajectories, c3d.start_time_s, c3d
    trc = read_trc(path)
    return trc.trajectories, float(trc.time_s[0]), None


def _pairs_json(pairs: list[Pairing], extra: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for p, more in zip(pairs, extra, strict=True):
        diff = p.difference_s
        rows.append(
            {
                "foot": p.foot,
                "event": p.event,
                "time_s": round(p.reference_s, 5),
                **more,
                "detected_time_s": None if p.detected_s is None else round(p.detected_s, 4),
                "difference_ms": None if diff is None else round(diff * 1000, 1),
            }
        )
    return rows


def _lab_events(c3d: C3dData, events: GaitEvents, offset_s: float) -> list[dict[str, Any]]:
    gait = [e for e in c3d.events if e.foot is not None and e.event is not None]
    pairs = pair_events(
        [(str(e.foot), str(e.event), e.time_s) for e in gait], events.events, detected_offset_s=offset_s
    )
    return _pairs_json(pairs, [{"label": e.label} for e in gait])


def _forceplate(c3d: C3dData, gait: Trajectories, events: GaitEvents, offset_s: float) -> dict[str, Any]:
    if not c3d.force_plates:
        raise CommandError("--forceplate-events: the C3D file has no force plates (FORCE_PLATFORM group).")
    fp = forceplate_events(plate_contacts(c3d.force_plates, gait, marker_start_time_s=offset_s))
    pairs = pair_events([(e.foot, e.event, e.time_s) for e in fp], events.events, detected_offset_s=offset_s)
    rows = _pairs_json(
        pairs, [{"plate": e.plate, "contact_id": e.contact_id, "status": e.status} for e in fp]
    )
    clean = [p for p, e in zip(pairs, fp, strict=True) if e.status == "clean"]
    return {
        "events": rows,
        "error_vs_clean": error_summary(clean),
        "method": "vertical force crossing 20 N (50 Hz low-pass, linear interpolation); foot by heel "
        "marker over the plate corners or centre of pressure; flagged = other foot on the plate or "
        "foot partly off it",
    }


def _pair_line(source: str, row: dict[str, Any]) -> str:
    detected = (
        "not detected" if row["detected_time_s"] is None else f"detected {row['detected_time_s']:.3f} s"
    )
    diff = "" if row["difference_ms"] is None else f" ({row['difference_ms']:+.1f} ms)"
    return f"{source}: {row['foot']} {row['event']} {row['time_s']:.3f} s; {detected}{diff}"


class Command(BaseCommand):
    help = (
        "Detect heel strikes and toe-offs in an OpenSim TRC or a C3D marker file and report temporal "
        "gait metrics; for C3D also the lab's events and, on request, force-plate reference events."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="OpenSim .trc or .c3d marker file")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="ROLE=MARKER[,MARKER...]",
            help="marker for each of left_heel, right_heel, left_toe, right_toe, pelvis (a comma list gives their centre, kept through a marker's drop-out)",
        )
        parser.add_argument("--json", dest="json_out", help="write the JSON here instead of printing it")
        parser.add_argument(
            "--vertical-axis", choices=["x", "y", "z"], help="override the detected vertical axis"
        )
        parser.add_argument(
            "--up", choices=["+", "-"], help="with --vertical-axis: whether up is + or - along it"
        )
        parser.add_argument(
            "--direction",
            help="override the detected walking direction, e.g. --direction=+x or --direction=-z",
        )
        parser.add_argument(
            "--forceplate-events",
            action="store_true",
            help="C3D only: reference events from the force plates (20 N) and the detector's error against them",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        maps = _parse_maps(opts["map"])
        direction = _parse_direction(opts["direction"])
        path = Path(opts["path"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}.")
        if path.suffix.lower() not in _SUFFIXES:
            raise CommandError(f"{path.name}: gait_events reads .trc and .c3d files.")
        if opts["forceplate_events"] and path.suffix.lower() != ".c3d":
            raise CommandError("--forceplate-events needs a .c3d file (a TRC file holds no forces).")
        try:
            traj, start_time_s, c3d = _read(path, with_plates=opts["forceplate_events"])
            gait = role_trajectories(traj, maps, source=path.name)
            vertical = _AXES[opts["vertical_axis"]] if opts["vertical_axis"] else None
            up = None if opts["up"] is None else (1.0 if opts["up"] == "+" else -1.0)
            events = detect_gait_events(gait, vertical_axis=vertical, up_sign=up, direction=direction)
            params = gait_parameters(events, gait, scale=scale_from_units(gait))
            result: dict[str, Any] = {
                "source": str(path),
                **gait_events_to_dict(events, params, time_offset_s=start_time_s),
            }
            if c3d is not None:
                result["lab_events"] = _lab_events(c3d, events, start_time_s)
                if opts["forceplate_events"]:
                    result["forceplate"] = _forceplate(c3d, gait, events, start_time_s)
        except InputError as exc:
            raise CommandError(str(exc)) from None
        text = json.dumps(result, indent=2, allow_nan=False)
        if opts["json_out"]:
            try:
                Path(opts["json_out"]).write_text(text + "\n", encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"Cannot write {opts['json_out']}: {exc.strerror or exc}.") from None
            n_ic = sum(e.event == "initial_contact" for e in events.events)
            n_to = len(events.events) - n_ic
            cadence = params.cadence_steps_per_min
            self.stdout.write(
                f"{n_ic} initial contacts and {n_to} toe-offs; cadence "
                + (
                    f"{cadence:.1f} steps/min"
                    if np.isfinite(cadence)
                    else "not measured (fewer than two steps)"
                )
                + f"; written to {opts['json_out']}"
            )
            for note in result["omitted"]:
                until = "" if note["until_s"] is None else f" to {note['until_s']:.3f} s"
                self.stdout.write(
                    f"left out: {note['foot']} {note['event']} at {note['time_s']:.3f} s{until}: {note['reason']}"
                )
            for row in result.get("lab_events", []):
                self.stdout.write(_pair_line("lab", row))
            for row in result.get("forceplate", {}).get("events", []):
                self.stdout.write(_pair_line(f"plate {row['plate']} ({row['status']})", row))
        else:
            self.stdout.write(text)
