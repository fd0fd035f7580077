"""How the product defines each validated instant or value, where that differs from its reference.

A reader of the validation report needs these to read a bias: a constant difference between two
definitions of "contact" is not an error of either. Each text states definitions only; figures
come from the settings the code runs with (so a changed setting changes the text), and the
size of a difference from the run itself (:func:`clinic.validation.run.lag_in_frames`).
"""

from __future__ import annotations

from analysis.exercise.reps import DEFAULT_THRESHOLDS, RepConfig
from analysis.gait import GaitEventConfig
from analysis.gait.contact import VIDEO_CONTACT_DEFINITION
from analysis.gait.forceplate import ForcePlateConfig
from analysis.gait.ground_frame import LANDED_FRACTION, LIFTED_FRACTION
from analysis.gait.standing import STRIDE_S

_GAIT = GaitEventConfig()
_PLATE = ForcePlateConfig()
_SQUAT = DEFAULT_THRESHOLDS["squat"]
_REPS = RepConfig()

_PLATE_CROSSING = (
    f"the instant the plate's vertical force, low-pass filtered at {_PLATE.cutoff_hz:g} Hz, crosses "
    f"{_PLATE.threshold_n:g} N"
)

INITIAL_CONTACT = (
    "The product's initial contact on markers is the instant the heel settles on the ground: after "
    "the heel's forward-most point ahead of the pelvis (Zeni et al. 2008), when its backward "
    f"velocity relative to the pelvis reaches {_GAIT.contact_speed_fraction:g} of the stance speed "
    "(the speed at which the pelvis passes over the standing foot, measured "
    f"{_GAIT.stance_window_s[0]:g}-{_GAIT.stance_window_s[1]:g} s after contact for a {STRIDE_S:g} s "
    "stride, in proportion for the walker's own stride). The last contact "
    "before the walker stands still lands behind the pelvis and has no such point; it is the instant "
    f"the foot's speed over the ground falls to {LANDED_FRACTION:g} of its swing's peak. The force "
    f"plates' initial contact is {_PLATE_CROSSING} upwards."
)

TOE_OFF = (
    "The product's toe-off on markers is the instant the toe is farthest behind the pelvis along "
    "the walking direction (Zeni et al. 2008); the first toe-off after standing still, which starts "
    f"under the pelvis, is the instant the toe's speed over the ground rises to {LIFTED_FRACTION:g} "
    f"of its swing's peak. The force plates' toe-off is {_PLATE_CROSSING} downwards."
)

STANCE = (
    "From the product's initial contact to the same foot's next toe-off, as defined for those "
    f"events; the reference's stance runs from the plate's {_PLATE.threshold_n:g} N rise to its fall."
)

CADENCE = (
    "The product's cadence is 60 divided by the mean step time (from a contact to the next contact "
    "of the other foot, within one walking bout). The reference's is the number of annotated heel "
    "strikes less one, times 60, over the time from the first to the last annotated strike."
)

SQUAT_COMPLETE = (
    "The product counts a repetition complete when the mean knee flexion of both knees reaches "
    f"{_SQUAT.complete_at:g} deg and comes back to within {100 * _REPS.return_fraction:g} % of "
    "that excursion above the level it started from; the annotator counts the repetitions marked as "
    "returning to standing."
)

SQUAT_DEPTH = (
    "The product's depth is the peak of the mean knee flexion of both knees over the repetition "
    "(0 deg = straight knees). The annotation gives each knee's interior angle at the bottom frame "
    "(180 deg = straight), compared as 180 minus their mean."
)

HEEL_STRIKE_VIDEO = VIDEO_CONTACT_DEFINITION
