"""What the first pass and the second-pass child process say to each other (pickled over pipes).

The parent (:class:`capture.refine_runner.SecondPasses`) sends :data:`ToChild` messages, the child
(:mod:`capture.second_pass_child`) answers once, at the end, with :data:`FromChild`. Each message
is a small frozen dataclass rather than a bare tuple, so both sides name the same fields.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from capture.pose import PersonPose, PoseConfig
from capture.refine import BackfillJob, EstimatorFactory, RefineConfig
from capture.tracking import TrackerConfig


class SinglePass(enum.Enum):
    """Where the single-person pass stands (the same states on both sides of the pipe)."""

    WAITING = "waiting"  # not started: the first pass has not yet gone long enough with one person
    RUNNING = "running"  # estimating one pose per frame, never ahead of the first pass
    DONE = "done"  # read the whole video: its poses are the result
    CANCELLED = "cancelled"  # the first pass saw two people at once (or the pass is switched off)


@dataclass(frozen=True)
class ChildSettings:
    """The first message: everything the child needs to follow the video."""

    path: str
    sampling_rate_hz: float
    make_estimator: EstimatorFactory
    one_pose: PoseConfig
    tracker_config: TrackerConfig
    config: RefineConfig
    horizon_frames: int
    buffer_frames: int


@dataclass(frozen=True)
class Progress:
    """The first pass has tracked every frame up to and including ``frame_index``."""

    frame_index: int


@dataclass(frozen=True)
class Backfill:
    """Search the frames before ``job.start_frame`` for the person ``job.track_id``."""

    job: BackfillJob


@dataclass(frozen=True)
class StartSingle:
    """Start the single-person pass from the first frame."""


@dataclass(frozen=True)
class CancelSingle:
    """Two people were seen at once: the single-person pass would be thrown away."""


@dataclass(frozen=True)
class End:
    """The first pass has read the whole video: finish the work and send the result."""


@dataclass(frozen=True)
class Stop:
    """The first pass gave up (an error or an early exit): stop without a result."""


ToChild = Progress | Backfill | StartSingle | CancelSingle | End | Stop


@dataclass(frozen=True)
class Result:
    """The child's answer: the single-person poses (None unless the pass read the whole video) and
    the backfilled poses per track id."""

    one_pose: dict[int, PersonPose] | None
    backfilled: dict[int, dict[int, PersonPose]]


@dataclass(frozen=True)
class Failure:
    """The child raised; ``traceback`` is its formatted traceback."""

    traceback: str


FromChild = Result | Failure
