"""The configuration of one offline analysis, in the canonical form stored in ``AnalysisRequested``.

Analyses are idempotent by (visit, content hash, configuration), so the configuration must have
one spelling: :func:`analysis_config` fills in every default and refuses unknown keys, and the
same options always give the same dict.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from analysis.activities import ACTIVITIES

MODELS = ("lite", "full", "heavy")


class ConfigError(ValueError):
    """The configuration is not usable; ``str(error)`` is one sentence for the user."""


@dataclass(frozen=True, kw_only=True)
class AnalysisConfig:
    """What to compute. ``activity`` as in :data:`analysis.activities.ACTIVITIES` (``auto`` detects it).

    ``height_m`` (the subject's body height) gives lengths and speeds in metres; without it they
    stay in pixels and the metric values that need metres are not recorded. ``max_people`` is the
    number of people the pose engine reports per frame. ``refine_3d`` fits the constant-bone-length
    skeleton (the slowest step after pose estimation). ``subject`` is the id of the person to
    analyse when the clinician chose one (a re-run on another person of the clip); ``None`` lets
    :func:`capture.subject.choose_subject` choose. ``test_start_s`` is when a standard test
    started in the recording (its "go": 0 for a test run live, whose recording starts at "go");
    ``None`` times it from the movement (the 30-second chair stand from the first rise).
    """

    model: str = "full"
    activity: str = "auto"
    height_m: float | None = None
    max_people: int = 3  # capture.pose.PoseConfig's default, as the analyze_video command
    refine_3d: bool = True
    subject: int | None = None
    test_start_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The canonical dict; ``subject`` appears only when set, so every configuration stored
        before it existed keeps its spelling (and its analyses stay found by their idempotency key)."""
        out = asdict(self)
        for optional in ("subject", "test_start_s"):
            if out[optional] is None:
                del out[optional]
        return out


def analysis_config(values: dict[str, Any] | None = None, **overrides: Any) -> AnalysisConfig:
    """A checked :class:`AnalysisConfig` from ``values`` (e.g. a stored config) and keyword overrides."""
    merged = {**(values or {}), **overrides}
    known = {f.name for f in fields(AnalysisConfig)}
    unknown = sorted(set(merged) - known)
    if unknown:
        raise ConfigError(
            f"Unknown analysis option {unknown[0]!r}; known options: {', '.join(sorted(known))}."
        )
    merged = {k: v for k, v in merged.items() if v is not None or k == "height_m"}
    config = AnalysisConfig(**merged)
    if config.model not in MODELS:
        raise ConfigError(f"The pose model must be lite, full or heavy, not {config.model!r}.")
    if config.activity not in ACTIVITIES:
        raise ConfigError(f"Unknown activity {config.activity!r}; choose one of {', '.join(ACTIVITIES)}.")
    if config.height_m is not None:
        height = float(config.height_m)
        if not 0.5 <= height <= 2.5:
            raise ConfigError(f"The body height is in metres (0.5 to 2.5), not {height:g}.")
        config = AnalysisConfig(**{**config.to_dict(), "height_m": round(height, 3)})
    if not isinstance(config.max_people, int) or not 1 <= config.max_people <= 10:
        raise ConfigError("The number of people per frame must be between 1 and 10.")
    if config.subject is not None and (
        isinstance(config.subject, bool) or not isinstance(config.subject, int) or config.subject < 1
    ):
        raise ConfigError(f"The person to analyse is a person number (1, 2, ...), not {config.subject!r}.")
    if config.test_start_s is not None and (
        isinstance(config.test_start_s, bool)
        or not isinstance(config.test_start_s, int | float)
        or not 0 <= config.test_start_s < 3600
    ):
        raise ConfigError(f"The test's start is seconds into the recording, not {config.test_start_s!r}.")
    return config
