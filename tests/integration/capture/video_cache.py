"""One pose-inference run per shared video and setting per test session.

Real inference is the slow part of the capture and biomechanics tests (the walking clip takes
~17 s on the CI machine), so every test that needs a video's landmarks shares the same
:class:`VideoAnalysis`. Tests must not modify the landmark arrays; analysis sections are
recomputed by each test from them.
"""

from __future__ import annotations

from functools import cache

from capture.pipeline import VideoAnalysis, analyze_file
from capture.pose import PoseConfig
from tests.conftest import SHARED_DATA


@cache
def analysed(name: str, *, max_people: int = PoseConfig().num_poses, model: str = "full") -> VideoAnalysis:
    """``analyze_file`` on ``../shared/data/videos/<name>``, computed once per process."""
    return analyze_file(
        SHARED_DATA / "videos" / name, model=model, pose_config=PoseConfig(num_poses=max_people)
    )
