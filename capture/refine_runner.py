"""Runs the second passes of :mod:`capture.refine` beside the first pass, in a child process.

One MediaPipe landmarker keeps about one core busy (measured on ``walk_side_two_people.mp4``
with ``full``: 1.1 cores), so on a machine with two or more cores the second passes, run while
the first pass is still going, add little to the wall time. They run in a child process, not a
thread: in a thread they doubled the first pass's time per frame on two cores (both hold the
interpreter lock for their share of Python work), in a process they did not slow it measurably.
The child runs at Linux's ``SCHED_IDLE`` priority, so it only uses what the first pass leaves
idle.

The child decodes the video itself, one frame behind the first pass at most (the first pass
reports its progress), keeping the last frames in a buffer:

- the **single-person pass** starts once the first pass has gone ``single_pass_after_s`` (at most
  a quarter of the clip) without seeing two people at once, reads the video from the start with its own reader, one pose per
  frame, and is cancelled as soon as the first pass sees two people in one frame (its result
  would be thrown away). Starting it later keeps it from running, mostly in vain, on clips that
  show a second person early: on this two-vCPU machine any work beside the first pass, even at
  idle priority, slows it by about 8% while it runs (measured with a busy loop);
- a person's **backfill** is sent once the first pass has tracked them long enough to be reported
  (``min_track_s``, and the velocity window): the frames before their start are final then and
  still in the buffer. Backfills run one after the other, in that order, so each sees the poses
  earlier backfills added and the result does not depend on timing.

The child is ``python -m capture.refine_runner`` (not :mod:`multiprocessing`, which would import
the caller's main script again), talking over two pipes with pickled messages. It sends all its
results at the end, when the first pass is reading, so neither side can block the other on a
full pipe. The estimator factory is pickled to the child (:class:`capture.pose.MediaPipeEstimators`
in production), so it must be a picklable object, not a closure.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import math
import os
import pickle
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Final

import cv2
import numpy as np
from numpy.typing import NDArray

from capture.pose import PersonPose, PoseConfig, PoseEstimator
from capture.refine import (
    BackfillJob,
    EstimatorFactory,
    Observations,
    RefineConfig,
    apply_single_person_pass,
    backfill_job,
    backfill_track,
)
from capture.tracking import TrackerConfig
from capture.video import Frame, VideoReader

# Frames kept by the child for backfills, at most this many bytes (a longer search window at a
# very large frame size is shortened; the search then stops earlier).
MAX_FRAME_BUFFER_BYTES: Final = 512 * 2**20
# How long the first pass waits for the child after its own end before giving up on it.
CHILD_TIMEOUT_S: Final = 600.0
_POLL_S: Final = 0.05


class SecondPassError(RuntimeError):
    """The child process of the second passes failed; the message carries its traceback."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    path: str
    fps_hz: float
    make_estimator: EstimatorFactory
    one_pose: PoseConfig
    tracker_config: TrackerConfig
    config: RefineConfig
    horizon_frames: int
    buffer_frames: int


class SecondPasses:
    """The second passes for one video; use as a context manager around the first pass.

    The first pass calls :meth:`after_frame` after tracking each frame and :meth:`finish` at the
    end; leaving the context stops the child if it is still running.
    """

    def __init__(
        self,
        path: str,
        *,
        fps_hz: float,
        frame_count: int,
        width_px: int,
        height_px: int,
        make_estimator: EstimatorFactory,
        pose_config: PoseConfig,
        tracker_config: TrackerConfig,
        config: RefineConfig,
    ) -> None:
        self._horizon = round(config.backfill_s * fps_hz)
        self._velocity_window = max(2, round(tracker_config.velocity_window_s * fps_hz))
        # A person is searched for once they are sure to be reported and their velocity is known.
        self._ready_frames = max(
            math.ceil(tracker_config.min_track_s * fps_hz - 1e-9), self._velocity_window, 1
        )
        frame_bytes = max(1, width_px * height_px * 3)
        buffer_frames = min(self._horizon + self._ready_frames + 2, MAX_FRAME_BUFFER_BYTES // frame_bytes)
        settings = _Settings(
            path=path,
            fps_hz=fps_hz,
            make_estimator=make_estimator,
            one_pose=dataclasses.replace(pose_config, num_poses=1),
            tracker_config=tracker_config,
            config=config,
            horizon_frames=self._horizon,
            buffer_frames=max(buffer_frames, 1),
        )
        self._child, self._send, self._receive = _start_child(settings)
        self._config = config
        self._child_gone = False
        self._delivered = False
        self._submitted: set[int] = set()
        self._single_cancelled = not config.single_person_pass
        self._single_started = False
        # Never later than a quarter into the clip, so that the pass can still finish beside the
        # first pass on a short clip (the container's frame count; 0 when it does not say).
        self._single_after_frames = round(config.single_pass_after_s * fps_hz)
        if frame_count > 0:
            self._single_after_frames = min(self._single_after_frames, frame_count // 4)

    # -- called by the first pass -------------------------------------------------------------

    def after_frame(self, observations: Observations, *, frame_index: int, people_in_frame: int) -> None:
        """Report progress, cancel the single-person pass once two people were seen, and send the
        backfills that are ready."""
        if people_in_frame > 1:
            self._cancel_single()
        if frame_index + 1 >= self._single_after_frames:
            self._start_single()
        if self._horizon > 0:
            for tid, poses in observations.items():
                if tid in self._submitted or len(poses) < self._ready_frames:
                    continue
                self._submitted.add(tid)
                job = backfill_job(
                    observations,
                    tid,
                    horizon_frames=self._horizon,
                    velocity_window_frames=self._velocity_window,
                )
                if job.start_frame > 0:
                    self._post(("backfill", job))
        self._post(("progress", frame_index))

    def finish(self, kept: Observations, *, single_person: bool) -> dict[str, Any]:
        """Wait for the child and merge its poses into ``kept`` (the reported people, updated in
        place). ``single_person``: the first pass reported one person and never saw two at once.
        Returns ``single_person_pass`` (frames replaced, or None) and ``backfilled`` (frames added
        per track id). Raises :class:`SecondPassError` when the child failed."""
        if single_person:
            self._start_single()  # not started yet on a clip shorter than its delay
        else:
            self._cancel_single()
        self._post(("end",))
        one_pose, found = self._result()
        replaced: int | None = None
        if single_person and one_pose is not None and len(kept) == 1:
            (track,) = kept.values()
            replaced = apply_single_person_pass(track, one_pose, config=self._config)
        # The single-person pass replaces first-pass frames only, so backfilled frames merge after.
        added = {tid: 0 for tid in kept}
        for tid, poses in found.items():
            if tid in kept:
                kept[tid].update(poses)
                added[tid] = len(poses)
        return {"single_person_pass": replaced, "backfilled": added}

    def _start_single(self) -> None:
        if not self._single_cancelled and not self._single_started:
            self._single_started = True
            self._post(("start_single",))

    def _cancel_single(self) -> None:
        if not self._single_cancelled:
            self._single_cancelled = True
            self._post(("cancel_single",))

    def _post(self, message: tuple[Any, ...]) -> None:
        # A child that failed has closed its end; its error message waits in the other pipe
        # and finish() reports it.
        if self._child_gone:
            return
        try:
            self._send.send(message)
        except (BrokenPipeError, ConnectionResetError):
            self._child_gone = True

    def _result(self) -> tuple[dict[int, PersonPose] | None, dict[int, dict[int, PersonPose]]]:
        waited = 0.0
        while not self._receive.poll(_POLL_S):
            waited += _POLL_S
            if self._child.poll() is not None or waited > CHILD_TIMEOUT_S:
                raise SecondPassError(
                    f"The second-pass process stopped without a result (exit code {self._child.returncode})."
                )
        try:
            message = self._receive.recv()
        except EOFError:
            raise SecondPassError(
                f"The second-pass process stopped without a result (exit code {self._child.wait()})."
            ) from None
        self._delivered = True
        if message[0] == "error":
            raise SecondPassError(f"The second passes failed:\n{message[1]}")
        _, one_pose, found = message
        return one_pose, found

    def close(self) -> None:
        """Stop the child if it is still working and close the pipes.

        A child that has sent its result is not waited for (it may still be shutting MediaPipe
        down); a daemon thread reaps it.
        """
        if self._child.poll() is None and not self._delivered:
            self._post(("stop",))
            try:
                self._child.wait(timeout=5.0)
            except subprocess.TimeoutExpired:
                self._child.kill()
        if self._child.poll() is None:
            threading.Thread(target=self._child.wait, name="reap-second-passes", daemon=True).start()
        self._send.close()
        self._receive.close()

    def __enter__(self) -> SecondPasses:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- the child process ------------------------------------------------------------------------


def _start_child(settings: _Settings) -> tuple[subprocess.Popen[bytes], Connection, Connection]:
    to_child_r, to_child_w = os.pipe()
    from_child_r, from_child_w = os.pipe()
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, *filter(None, [os.environ.get("PYTHONPATH")])]))
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "capture.refine_runner", str(to_child_r), str(from_child_w)],
            pass_fds=(to_child_r, from_child_w),
            env=env,
            stdin=subprocess.DEVNULL,
        )
    finally:
        os.close(to_child_r)
        os.close(from_child_w)
    send, receive = Connection(to_child_w, readable=False), Connection(from_child_r, writable=False)
    try:
        send.send(settings)
    except (pickle.PicklingError, AttributeError, TypeError) as exc:
        send.close()
        receive.close()
        child.kill()
        child.wait()
        raise TypeError(
            f"The second passes run in a child process, so make_estimator must be picklable "
            f"(a module-level class or function, not a closure): {exc}"
        ) from exc
    return child, send, receive


def _child_main(read_fd: int, write_fd: int) -> None:
    receive, send = Connection(read_fd, writable=False), Connection(write_fd, readable=False)
    # Only idle CPU time: any ordinary thread that wakes up preempts this process (and the threads
    # MediaPipe and FFmpeg start from it). Nice 19 is not enough: a woken first-pass thread can
    # wait out a time slice, and MediaPipe hands every frame between several threads.
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    try:
        settings = receive.recv()
        passes = _ChildPasses(settings, receive)
        if passes.run():
            send.send(("result", passes.one_pose if passes.single_completed else None, passes.found))
    except (EOFError, BrokenPipeError):
        pass  # the first pass is gone; nobody to tell
    except Exception:
        with contextlib.suppress(OSError):
            send.send(("error", traceback.format_exc()))


class _ChildPasses:
    """The child's loop: follow the first pass through the video, serve backfills, run the
    single-person pass."""

    def __init__(self, settings: _Settings, receive: Connection) -> None:
        self.s = settings
        self.receive = receive
        self.single_completed = False
        self.found: dict[int, dict[int, PersonPose]] = {}
        self.progress = -1  # the first pass's last frame
        self.ended = False
        self.single_possible = settings.config.single_person_pass  # not cancelled (yet)
        self.single_frames: Iterator[Frame] | None = None  # the pass's own reader, once started
        self.single_next = 0  # the next frame the single-person pass estimates
        self.single_exhausted = False
        self.jobs: collections.deque[BackfillJob] = collections.deque()
        self.recent: collections.deque[tuple[int, NDArray[np.uint8]]] = collections.deque(
            maxlen=settings.buffer_frames
        )
        self.claimed: Observations = {}
        self.one_pose: dict[int, PersonPose] = {}
        self._single: PoseEstimator | None = None
        self._single_reader: VideoReader | None = None
        self._image: PoseEstimator | None = None

    def run(self) -> bool:
        """Work until the first pass ends (True) or says stop (False)."""
        try:
            with VideoReader(self.s.path) as reader:
                frames = iter(reader)
                decoded = 0  # frames decoded so far = index of the next frame
                exhausted = False
                while True:
                    if not self._read_messages(block=False):
                        return False
                    self._serve_ready_jobs(decoded)
                    if self._single_step():
                        continue
                    # Never ahead of the first pass, so the buffer holds what its backfills need.
                    may_decode = not exhausted and (self.ended or decoded <= self.progress)
                    if may_decode and self._needs_frames(decoded):
                        frame = next(frames, None)
                        if frame is None:
                            exhausted = True
                        else:
                            self._take(frame)
                            decoded = frame.index + 1
                        continue
                    if self.ended:
                        break
                    if not self._read_messages(block=True):
                        return False
            self._serve_ready_jobs(decoded, final=True)
            while self._single_step():
                pass
            self.single_completed = self.single_possible and self.single_exhausted
            return True
        finally:
            for estimator in (self._single, self._image):
                if estimator is not None:
                    estimator.close()
            if self._single_reader is not None:
                self._single_reader.close()

    def _needs_frames(self, decoded: int) -> bool:
        """Whether decoding further serves anything: a backfill whose frames are not decoded yet,
        or the buffer that future backfills will search."""
        if any(job.start_frame > decoded for job in self.jobs):
            return True
        return self.s.horizon_frames > 0 and not self.ended and decoded <= self.progress

    def _take(self, frame: Frame) -> None:
        self.recent.append((frame.index, frame.bgr))

    def _single_step(self) -> bool:
        """Estimate the single-person pass's next frame if it may (started, not cancelled, not
        ahead of the first pass); False when there was nothing to do."""
        if self.single_frames is None or not self.single_possible or self.single_exhausted:
            return False
        if not self.ended and self.single_next > self.progress:
            return False
        frame = next(self.single_frames, None)
        if frame is None:
            self.single_exhausted = True
            return False
        if self._single is None:
            self._single = self.s.make_estimator("video", self.s.one_pose)
        people = self._single.estimate(frame.rgb(), timestamp_ms=frame.timestamp_ms)
        if people:
            self.one_pose[frame.index] = people[0]
        self.single_next = frame.index + 1
        return True

    def _read_messages(self, *, block: bool) -> bool:
        """Apply the first pass's messages; False when told to stop."""
        if not self.receive.poll(1.0 if block else 0.0):
            return True
        while True:
            message = self.receive.recv()
            kind = message[0]
            if kind == "stop":
                return False
            if kind == "progress":
                self.progress = max(self.progress, message[1])
            elif kind == "backfill":
                self.jobs.append(message[1])
            elif kind == "start_single" and self.single_possible and self.single_frames is None:
                self._single_reader = VideoReader(self.s.path)
                self.single_frames = iter(self._single_reader)
            elif kind == "cancel_single":
                self.single_possible = False
                self.one_pose.clear()
            elif kind == "end":
                self.ended = True
            if not self.receive.poll(0.0):
                return True

    def _serve_ready_jobs(self, decoded: int, *, final: bool = False) -> None:
        while self.jobs and (final or self.jobs[0].start_frame <= decoded):
            job = self.jobs.popleft()
            found = self._backfill(job)
            self.claimed[job.track_id] = found
            self.found[job.track_id] = found

    def _backfill(self, job: BackfillJob) -> dict[int, PersonPose]:
        first = max(0, job.start_frame - self.s.horizon_frames)
        frames = {
            i: cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB) for i, bgr in self.recent if first <= i < job.start_frame
        }
        if not frames:
            return {}
        if self._image is None:
            self._image = self.s.make_estimator("image", self.s.one_pose)
        # Poses earlier backfills added count as other people's too.
        others = {tid: dict(poses) for tid, poses in job.others.items()}
        for tid, poses in self.claimed.items():
            others.setdefault(tid, {}).update(
                {f: p for f, p in poses.items() if first <= f < job.start_frame}
            )
        return backfill_track(
            frames,
            dataclasses.replace(job, others=others),
            estimator=self._image,
            fps_hz=self.s.fps_hz,
            tracker_config=self.s.tracker_config,
            config=self.s.config,
        )


if __name__ == "__main__":
    _child_main(int(sys.argv[1]), int(sys.argv[2]))
