"""Protocol cards of the standard outcome tests: set-up, camera placement, what the patient is
told and how the recording is scored. The one definition the upload page, the API and the
``analyze_video`` command show.

Sources: 30-second chair stand, CDC STEADI "30-Second Chair Stand" (2017), after Jones, Rikli &
Beam 1999; five-times sit-to-stand, Bohannon 2006 (Percept Mot Skills 103:215); Timed Up and Go,
CDC STEADI "Timed Up & Go" (2017), after Podsiadlo & Richardson 1991; 10-metre walk, Bohannon
1997 (Age Ageing 26:15) with 2 m acceleration and deceleration zones; single-leg stance, Springer
et al. 2007 (J Geriatr Phys Ther 30:8), eyes open, up to 45 s; vertical jump, flight-time method
(Bosco et al. 1983) and the drop vertical jump landing (Hewett et al. 2005).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from analysis.activities import LABELS, Activity


@dataclass(frozen=True)
class Protocol:
    """One test's card: ``set_up``, ``camera``, ``instructions`` (said to the patient) and
    ``scoring`` (what the analysis measures), each a few sentences."""

    activity: Activity
    title: str
    set_up: str
    camera: str
    instructions: str
    scoring: str


_SIDE_CAMERA = (
    "Camera at hip height, 3-4 m to the side, square to the chair, the whole body in the frame "
    "from the start to the end; hold it still (a tripod or a shelf)."
)

PROTOCOLS: Final[dict[Activity, Protocol]] = {
    p.activity: p
    for p in (
        Protocol(
            activity="chair_stand_30s",
            title=LABELS["chair_stand_30s"],
            set_up="A straight-backed chair without arms, seat about 43 cm (17 in) high, against a wall. "
            "The patient sits in the middle of the seat, feet flat and shoulder-width apart, arms crossed "
            "over the chest.",
            camera=_SIDE_CAMERA,
            instructions='"When I say go, stand up fully and sit down again, as many times as you can in '
            '30 seconds. Keep your arms crossed." Start recording, then say "go".',
            scoring="Full stands counted from the start of the first rise for 30 s; a stand more than "
            "halfway up at 30 s counts. Using the arms to stand makes the score zero: note it.",
        ),
        Protocol(
            activity="five_times_sit_to_stand",
            title=LABELS["five_times_sit_to_stand"],
            set_up="The same chair as the 30-second test, against a wall; seated with the back against "
            "the backrest, arms crossed over the chest.",
            camera=_SIDE_CAMERA,
            instructions='"When I say go, stand up fully and sit down five times, as quickly as you can, '
            'without using your arms." Start recording, then say "go".',
            scoring="Time from the start of the first rise to being seated after the fifth full stand.",
        ),
        Protocol(
            activity="tug",
            title=LABELS["tug"],
            set_up="A chair with arms; a line or cone 3 m (10 ft) in front of its front legs. The patient "
            "wears their usual shoes and may use their usual walking aid.",
            camera="Camera 4-5 m to the side of the 3 m path, at hip height, so the chair, the line and the "
            "whole walk are in the frame; the walk crosses the image, not towards the camera.",
            instructions='"When I say go, stand up, walk to the line at your normal pace, turn, walk back '
            'and sit down again." Start recording, then say "go".',
            scoring="Time from the start of rising to seated again, with its phases: sit-to-stand, walk "
            "out, turn, walk back, turn and sit. 12 s or more flags a fall risk (CDC STEADI).",
        ),
        Protocol(
            activity="ten_metre_walk",
            title=LABELS["ten_metre_walk"],
            set_up="A straight 14 m path: 2 m to accelerate, the 10 m timed section, 2 m to slow down; "
            "mark both ends of the timed section on the floor.",
            camera="The camera must see the whole timed section from the side: place it 6-8 m from the "
            "middle of the path, at hip height, perpendicular to it (a wide-angle setting helps). Enter the "
            "patient's height so the walk has a length scale. A walk towards the camera cannot be timed.",
            instructions='"Walk at your comfortable pace past the far mark; I will tell you when to stop." '
            "Start recording before the patient starts walking.",
            scoring="Speed over the 10 m after the first 2 m of walking (or, when the recording shows less, "
            "over the middle of the visible steady walk): metres per second.",
        ),
        Protocol(
            activity="single_leg_stance",
            title=LABELS["single_leg_stance"],
            set_up="Barefoot or in flat shoes, eyes open, arms crossed over the chest; someone stands by "
            "for safety. Test one leg, then the other (one recording per leg, or both in one).",
            camera="Camera 3 m in front of the patient at knee height, both feet and the whole body in the "
            "frame.",
            instructions='"Cross your arms, lift one foot off the floor and stand as long as you can, up to '
            '45 seconds. Keep your eyes open and look ahead." Start recording before the foot lifts.',
            scoring="Time on one leg per side until the lifted foot touches down (or the recording ends: "
            "then no touchdown is reported).",
        ),
        Protocol(
            activity="jump",
            title=LABELS["jump"],
            set_up="Vertical jump: standing on the floor, hands on the hips. Drop landing: standing on a "
            "30 cm box, step off, land on both feet and (drop vertical jump) jump straight up at once.",
            camera="Camera at knee height, 3 m away: in front for knee valgus, to the side for landing knee "
            "flexion (two recordings give both); the feet and the floor always in the frame.",
            instructions='"Jump as high as you can, straight up, and land softly on both feet." For the drop '
            'landing: "Step off the box, land on both feet and jump up as high as you can."',
            scoring="Jump height from the flight time (g x t^2 / 8), landing knee flexion per side (side "
            "view), peak knee valgus per side (front view) and their left/right symmetry.",
        ),
    )
}


def protocol(activity: str) -> Protocol | None:
    """The card of an outcome test, None for other activities."""
    return next((p for a, p in PROTOCOLS.items() if a == activity), None)
