"""``manage.py gait_events PATH.trc --map left_heel=NAME ...``: gait events from a TRC marker file.

A thin adapter: parses the options, reads the file with :mod:`analysis.trc`, runs
:func:`analysis.gait.detect_gait_events` and prints or writes the JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser

from analysis.gait import GAIT_POINTS, detect_gait_events, gait_parameters, scale_from_units
from analysis.serialize import gait_events_to_dict
from analysis.trc import read_trc
from analysis.types import InputError, Trajectories

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


class Command(BaseCommand):
    help = "Detect heel strikes and toe-offs in an OpenSim TRC marker file and report temporal gait metrics."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="OpenSim .trc marker file")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="ROLE=MARKER[,MARKER...]",
            help="marker for each of left_heel, right_heel, left_toe, right_toe, pelvis (a comma list is averaged)",
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

    def handle(self, *args: Any, **opts: Any) -> None:
        maps = _parse_maps(opts["map"])
        direction = _parse_direction(opts["direction"])
        path = Path(opts["path"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}.")
        try:
            trc = read_trc(path)
            traj = trc.trajectories
            points = {}
            for role, names in maps.items():
                unknown = [n for n in names if n not in traj.points]
                if unknown:
                    raise CommandError(
                        f"Marker {unknown[0]!r} is not in {path.name}; it has {', '.join(sorted(traj.points))}."
                    )
                points[role] = np.mean(np.stack([traj.get(n) for n in names]), axis=0)
            gait = Trajectories(points=points, sampling_rate_hz=traj.sampling_rate_hz, axes=traj.axes)
            vertical = _AXES[opts["vertical_axis"]] if opts["vertical_axis"] else None
            up = None if opts["up"] is None else (1.0 if opts["up"] == "+" else -1.0)
            events = detect_gait_events(gait, vertical_axis=vertical, up_sign=up, direction=direction)
            params = gait_parameters(events, gait, scale=scale_from_units(gait))
        except InputError as exc:
            raise CommandError(str(exc)) from None
        result = {
            "source": str(path),
            **gait_events_to_dict(events, params, time_offset_s=float(trc.time_s[0])),
        }
        text = json.dumps(result, indent=2, allow_nan=False)
        if opts["json_out"]:
            try:
                Path(opts["json_out"]).write_text(text + "\n", encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"Cannot write {opts['json_out']}: {exc.strerror or exc}.") from None
            n_ic = sum(e.event == "initial_contact" for e in events.events)
            n_to = len(events.events) - n_ic
            self.stdout.write(
                f"{n_ic} initial contacts and {n_to} toe-offs; cadence "
                f"{params.cadence_steps_per_min:.1f} steps/min; written to {opts['json_out']}"
            )
        else:
            self.stdout.write(text)
