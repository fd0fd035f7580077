"""One live pose session per WebSocket connection, independent of Django and Channels.

:class:`LiveSession` turns JPEG frames (server mode) or keypoints computed in the browser into
tracked, smoothed people with angles, metrics and cues, and keeps the landmarks of a recording.
Its methods block (JPEG decoding, inference): the consumer calls them from one worker thread, so
the event loop never waits and the MediaPipe graph is only ever used from that thread.

:class:`LatestSlot` is the newest-frame-wins hand-over between the event loop and that worker:
it holds at most one pending frame, a newer frame replaces an unprocessed older one (counted as
dropped), so the server never works through a queue of stale frames and memory stays bounded.

Timestamps given to MediaPipe's VIDEO mode are the server's monotonic clock in milliseconds,
made strictly increasing, because client clocks and frame numbers cannot be trusted to be.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, Generic, TypeVar

import cv2
import numpy as np
from numpy.typing import NDArray

from analysis.signals.one_euro import OneEuroConfig, OneEuroFilter
from analysis.stop_rules import StopReason, StopWatch, stop_message, stop_rule
from capture import variants
from capture.landmarks import NUM_LANDMARKS
from capture.live_metrics import (
    JOINTS_BY_EXERCISE,
    LiveMetrics,
    LiveMetricsConfig,
    counted_as,
    joint_angles_2d,
)
from capture.pose import PersonPose, PoseConfig, PoseEstimator, person_from_arrays
from capture.sequence import LandmarkSequence
from capture.tracking import PoseTracker

FloatArray = NDArray[np.float64]
EstimatorFactory = Callable[[str, int], PoseEstimator]
T = TypeVar("T")

#: Nominal rate for the tracker's seconds-to-frames conversion: live frames arrive at up to 30 Hz.
TRACKER_SAMPLING_RATE_HZ: Final = 30.0
#: Longest recording kept in memory (about 60 MB of float32 landmarks for 3 people at 30 Hz).
MAX_RECORDING_FRAMES: Final = 30 * 60 * 10
#: Frame-time budget for 30 frames per second, used by the automatic model choice.
FRAME_BUDGET_MS: Final = 1000.0 / 30.0
#: Display smoothing of pixel coordinates (Casiez et al. 2012): little jitter when still, little lag when moving.
DISPLAY_FILTER: Final = OneEuroConfig(min_cutoff_hz=1.5, beta=0.02, derivative_cutoff_hz=1.0)


class FrameError(ValueError):
    """The frame could not be decoded as an image; ``str()`` is one sentence for the page."""


class LatestSlot(Generic[T]):
    """Newest-item-wins single slot between an asyncio producer and one consumer task."""

    def __init__(self) -> None:
        self._item: T | None = None
        self._ready = asyncio.Event()
        self.dropped = 0
        self.accepted = 0

    def put(self, item: T) -> None:
        if self._item is not None:
            self.dropped += 1  # an older frame nobody started on: it is stale now
        self._item = item
        self.accepted += 1
        self._ready.set()

    async def take(self) -> T:
        while self._item is None:
            self._ready.clear()
            await self._ready.wait()
        item, self._item = self._item, None
        self._ready.clear()
        return item

    @property
    def pending(self) -> bool:
        return self._item is not None


@dataclass
class AutoModel:
    """Automatic variant choice from measured inference time (SPEC section 2).

    Steps one variant lighter when the smoothed frame time exceeds ``high`` of the budget, and one
    heavier when it is below ``low`` of it, never back to a variant that was already too slow.
    Needs ``min_frames`` on a variant before deciding, so a warm-up frame does not count.
    """

    budget_ms: float = FRAME_BUDGET_MS
    high: float = 0.9
    low: float = 0.4
    min_frames: int = 15
    _ema_ms: float = field(init=False, default=math.nan)
    _frames: int = field(init=False, default=0)
    _too_slow: set[str] = field(init=False, default_factory=set)
    _variant: str = field(init=False, default="")

    def reset(self) -> None:
        self._ema_ms, self._frames = math.nan, 0

    def observe(self, current: str, infer_ms: float) -> str:
        """The variant to use next, given the inference time of the frame just processed."""
        if current != self._variant:  # a new variant: its own warm-up and its own average
            self.reset()
            self._variant = current
        self._frames += 1
        if self._frames <= 2:
            return current  # the first calls include graph warm-up
        self._ema_ms = infer_ms if math.isnan(self._ema_ms) else 0.8 * self._ema_ms + 0.2 * infer_ms
        if self._frames < self.min_frames:
            return current
        order: list[str] = list(variants.VARIANTS)
        i = order.index(current)
        if self._ema_ms > self.high * self.budget_ms and i > 0:
            self._too_slow.add(current)
            return order[i - 1]
        if (
            self._ema_ms < self.low * self.budget_ms
            and i + 1 < len(order)
            and order[i + 1] not in self._too_slow
        ):
            return order[i + 1]
        return current


def mediapipe_factory(variant: str, people: int) -> PoseEstimator:
    from capture.pose import MediaPipePoseEstimator

    return MediaPipePoseEstimator(model=variant, mode="video", config=PoseConfig(num_poses=people))


@dataclass
class Recording:
    """Landmarks of every tracked person per processed frame, as float32 to bound memory."""

    started_s: float
    times_s: list[float] = field(default_factory=list)
    frames: list[dict[int, tuple[NDArray[np.float32], NDArray[np.float32]]]] = field(default_factory=list)
    subjects: dict[int, int] = field(default_factory=dict)  # person id -> frames as the subject
    width_px: int = 0
    height_px: int = 0
    model: str = ""

    @property
    def full(self) -> bool:
        return len(self.frames) >= MAX_RECORDING_FRAMES


@dataclass(frozen=True, kw_only=True)
class ResampledRecording:
    """A stopped recording: its landmarks on a uniform time grid, and what only the recording knows.

    ``frames_received`` counts the frames processed while recording (before resampling);
    ``duration_s`` is the time from the first to the last of them (at least one grid step).
    """

    sequence: LandmarkSequence
    frames_received: int
    duration_s: float


def resample_recording(rec: Recording, *, max_gap_s: float = 0.25) -> ResampledRecording:
    """Put the recorded frames (irregular: some were dropped) on a uniform grid.

    The grid rate is the mean processed rate rounded to whole hertz (1-60); each landmark is
    interpolated linearly between the processed frames around a grid time, and left NaN across
    gaps longer than ``max_gap_s`` or where the person was not seen on both sides.
    """
    if not rec.frames:
        raise ValueError("The recording has no frames.")
    t = np.asarray(rec.times_s) - rec.times_s[0]
    duration = float(t[-1]) if len(t) > 1 else 0.0
    sampling_rate_hz = float(min(60, max(1, round((len(t) - 1) / duration)))) if duration > 0 else 30.0
    grid = np.arange(math.floor(duration * sampling_rate_hz + 1e-9) + 1) / sampling_rate_hz
    ids = sorted({pid for frame in rec.frames for pid in frame})
    shape = (len(ids), grid.size, NUM_LANDMARKS, 4)
    image, world = np.full(shape, np.nan), np.full(shape, np.nan)
    right = np.clip(np.searchsorted(t, grid, side="left"), 0, len(t) - 1)
    left = np.clip(right - 1, 0, len(t) - 1)
    exact = np.isclose(t[right], grid)
    left = np.where(exact, right, left)
    for row, pid in enumerate(ids):
        for g in range(grid.size):
            a, b = int(left[g]), int(right[g])
            fa, fb = rec.frames[a].get(pid), rec.frames[b].get(pid)
            if fa is None or fb is None or t[b] - t[a] > max_gap_s:
                continue
            w = 0.0 if b == a else (grid[g] - t[a]) / (t[b] - t[a])
            image[row, g] = (1 - w) * fa[0] + w * fb[0]
            world[row, g] = (1 - w) * fa[1] + w * fb[1]
    subject = max(rec.subjects, key=lambda k: rec.subjects[k]) if rec.subjects else None
    sequence = LandmarkSequence(
        image=image,
        world=world,
        person_ids=tuple(ids),
        subject=subject,
        sampling_rate_hz=sampling_rate_hz,
        width_px=rec.width_px,
        height_px=rec.height_px,
        model=rec.model,
    )
    return ResampledRecording(
        sequence=sequence, frames_received=len(rec.frames), duration_s=max(duration, 1.0 / sampling_rate_hz)
    )


def decode_jpeg(jpeg: bytes) -> NDArray[np.uint8]:
    """RGB ``(h, w, 3)`` uint8 from JPEG bytes, in memory (frames are never written to disk)."""
    bgr = cv2.imdecode(np.frombuffer(jpeg, dtype=np.uint8), cv2.IMREAD_COLOR)
    if bgr is None or bgr.ndim != 3 or min(bgr.shape[:2]) < 16:
        raise FrameError("The frame is not a readable JPEG image.")
    rgb = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), dtype=np.uint8)
    return rgb


class LiveSession:
    """Per-connection pose session. Not thread-safe: call it from one worker thread."""

    def __init__(
        self,
        *,
        model: str = variants.DEFAULT_VARIANT,
        exercise: str = "squat",
        people: int = 1,
        factory: EstimatorFactory = mediapipe_factory,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.factory, self.clock = factory, clock
        self.auto = model == "auto"
        self.model = variants.DEFAULT_VARIANT if self.auto else variants.check_variant(model)
        self.people = people
        self.exercise = exercise
        self._estimator: PoseEstimator | None = None
        self._auto = AutoModel()
        self._last_ts_ms = 0
        self._frame_index = 0
        self._tracker: PoseTracker | None = None
        self._filters: dict[int, OneEuroFilter] = {}
        self._metrics: dict[int, LiveMetrics] = {}
        self._subject: int | None = None
        self.recording: Recording | None = None
        self._stopwatch: StopWatch | None = None
        self._test_stop: StopReason | None = None

    # configuration -------------------------------------------------------------------------
    def configure(self, *, model: str | None, exercise: str | None, people: int | None) -> None:
        if model is not None:
            self.auto = model == "auto"
            if not self.auto and model != self.model:
                self._switch(model)
        if people is not None and people != self.people:
            self.people = people
            self._close_estimator()
        if exercise is not None and exercise != self.exercise:
            self.exercise = exercise
            self._metrics.clear()

    def _switch(self, model: str) -> None:
        self.model = variants.check_variant(model)
        self._auto.reset()
        self._close_estimator()

    def _close_estimator(self) -> None:
        if self._estimator is not None:
            self._estimator.close()
            self._estimator = None

    def close(self) -> None:
        self._close_estimator()

    def _timestamp_ms(self) -> int:
        self._last_ts_ms = max(self._last_ts_ms + 1, int(self.clock() * 1000.0))
        return self._last_ts_ms

    # processing ------------------------------------------------------------------------------
    def process_jpeg(self, jpeg: bytes) -> dict[str, Any]:
        """Decode, infer, track and measure one frame; returns the ``pose`` message body."""
        t0 = self.clock()
        rgb = decode_jpeg(jpeg)
        if self._estimator is None:
            self._estimator = self.factory(self.model, self.people)
        t1 = self.clock()
        people = self._estimator.estimate(rgb, timestamp_ms=self._timestamp_ms())
        infer_ms = (self.clock() - t1) * 1000.0
        height, width = rgb.shape[:2]
        body = self._after_inference(people, width_px=width, height_px=height)
        body.update(infer_ms=round(infer_ms, 2), server_ms=round((self.clock() - t0) * 1000.0, 2))
        used = self.model
        if self.auto:
            wanted = self._auto.observe(self.model, infer_ms)
            if wanted != self.model:
                self._switch(wanted)
        body["model"] = used
        return body

    def process_keypoints(
        self, normalized: FloatArray, world: FloatArray | None, *, width_px: int, height_px: int
    ) -> dict[str, Any]:
        """The same as :meth:`process_jpeg` for landmarks computed in the browser."""
        people = []
        for k in range(normalized.shape[0]):
            w = world[k] if world is not None else np.full((NUM_LANDMARKS, 3), np.nan)
            vis = np.clip(normalized[k, :, 3], 0.0, 1.0)
            people.append(
                person_from_arrays(normalized[k, :, :3], vis, vis, w, width_px=width_px, height_px=height_px)
            )
        body = self._after_inference(people, width_px=width_px, height_px=height_px)
        body.update(infer_ms=None, model=self.model)
        return body

    def _after_inference(self, people: list[PersonPose], *, width_px: int, height_px: int) -> dict[str, Any]:
        now_s = self.clock()
        if self._tracker is None or (self._tracker.width_px, self._tracker.height_px) != (
            width_px,
            height_px,
        ):
            self._tracker = PoseTracker(
                sampling_rate_hz=TRACKER_SAMPLING_RATE_HZ, frame_size_px=(width_px, height_px)
            )
            self._filters.clear()
        self._frame_index += 1
        ids = self._tracker.update(people, frame_index=self._frame_index)
        tracked = [(pid, p) for pid, p in zip(ids, people, strict=True) if pid is not None]
        self._choose_subject(tracked)
        kind = counted_as(self.exercise)
        joints = JOINTS_BY_EXERCISE[kind]
        out_people: list[dict[str, Any]] = []
        cues: list[str] = []
        metrics: dict[str, Any] = {}
        for pid, person in tracked:
            xy = self._filters.setdefault(pid, OneEuroFilter(DISPLAY_FILTER))(
                person.image[:, :2], time_s=now_s
            )
            smooth = np.column_stack([xy, person.image[:, 3]])
            # Angles and metrics are measured on the landmarks as estimated, the ones the recording
            # keeps and the offline analysis reads (live/offline parity); the display filter only
            # steadies the drawn skeleton, and its lag would bias angles while moving.
            angles = joint_angles_2d(person.image, joints)
            out_people.append(
                {
                    "id": pid,
                    "subject": pid == self._subject,
                    "landmarks": [
                        [round(float(x) / width_px, 4), round(float(y) / height_px, 4), round(float(v), 3)]
                        for x, y, v in smooth[:, :3]
                    ],
                    "angles": {k: round(v, 1) for k, v in angles.items()},
                }
            )
            if pid == self._subject:
                metric = self._metrics.setdefault(pid, self._new_metrics(kind))
                metrics, cues = metric.update(person.image, time_s=now_s)
        test = self._test_progress(now_s)
        if stop_rule(self.exercise) is not None:
            cues = []  # a standard test is done without coaching, before "go" too
        for gone in set(self._filters) - {pid for pid, _ in tracked}:
            if len(self._filters) > 8:  # forget filters of people long gone, bounding memory
                self._filters.pop(gone, None)
        if self.recording is not None and not self.recording.full:
            self._record(tracked, now_s=now_s, width_px=width_px, height_px=height_px)
        return {
            "type": "pose",
            "width": width_px,
            "height": height_px,
            "people": out_people,
            "metrics": metrics,
            "cues": cues,
            "exercise": self.exercise,
            "recording_frames": len(self.recording.frames) if self.recording else None,
            "test": test,
        }

    def _new_metrics(self, kind: str) -> LiveMetrics:
        rule = stop_rule(self.exercise)
        # A Timed Up and Go is one long stand (up, walk, turn, back, down): let it last the test's limit.
        config = LiveMetricsConfig(max_rep_s=max(LiveMetricsConfig.max_rep_s, rule.max_s if rule else 0.0))
        return LiveMetrics(kind, config=config)

    def _test_progress(self, now_s: float) -> dict[str, Any] | None:
        """During the recording of a standard test: its clock and, once, why it stopped."""
        watch, rec = self._stopwatch, self.recording
        if watch is None or rec is None:
            return None
        metric = self._metrics.get(self._subject) if self._subject is not None else None
        elapsed = now_s - rec.started_s
        reason = watch.update(
            elapsed_s=elapsed,
            full_stands=metric.reps.complete if metric is not None and metric.reps is not None else 0,
            on_one_leg=metric.on_one_leg if metric is not None else None,
        )
        if reason is not None:
            self._test_stop = reason
        return {
            "elapsed_s": round(min(elapsed, watch.rule.max_s), 2),
            "max_s": watch.rule.max_s,
            "over": watch.over(elapsed),
            "stopped": watch.stopped,
            "message": stop_message(watch.rule, watch.stopped) if watch.stopped else None,
        }

    def take_test_stop(self) -> StopReason | None:
        """Why the running test just stopped (once), None while it runs or when none runs."""
        reason, self._test_stop = self._test_stop, None
        return reason

    def _choose_subject(self, tracked: list[tuple[int, PersonPose]]) -> None:
        """Keep the current subject while seen; otherwise the tallest person in view."""
        seen = {pid for pid, _ in tracked}
        if self._subject in seen or not tracked:
            return
        self._subject = max(tracked, key=lambda item: item[1].height_px)[0]

    # recording -------------------------------------------------------------------------------
    def start_recording(self) -> None:
        """Start keeping landmarks; the metrics start again too, so the repetitions counted on the
        page are the recording's own (the ones its offline analysis counts)."""
        self.recording = Recording(started_s=self.clock())
        self._metrics.clear()
        rule = stop_rule(self.exercise)
        self._stopwatch = StopWatch(rule) if rule is not None else None
        self._test_stop = None

    def _record(
        self, tracked: list[tuple[int, PersonPose]], *, now_s: float, width_px: int, height_px: int
    ) -> None:
        rec = self.recording
        assert rec is not None
        rec.times_s.append(now_s)
        rec.frames.append(
            {pid: (p.image.astype(np.float32), p.world.astype(np.float32)) for pid, p in tracked}
        )
        if self._subject is not None and any(pid == self._subject for pid, _ in tracked):
            rec.subjects[self._subject] = rec.subjects.get(self._subject, 0) + 1
        rec.width_px, rec.height_px = width_px, height_px
        rec.model = rec.model or self.model

    def stop_recording(self) -> ResampledRecording | None:
        """The recorded sequence on a uniform grid, or None if no frame was recorded."""
        rec, self.recording = self.recording, None
        self._stopwatch = None
        if rec is None or not rec.frames:
            return None
        return resample_recording(rec)
