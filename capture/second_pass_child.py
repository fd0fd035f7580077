"""The second-pass child process: follow the first pass through the video, serve backfills, run the
single-person pass (see :mod:`capture.refine_runner` for why this is a separate process).

Started as ``python -m capture.second_pass_child READ_FD WRITE_FD`` by
:func:`capture.second_pass_process.start_child`; it reads :data:`~capture.second_pass_messages.ToChild`
messages and sends one :data:`~capture.second_pass_messages.FromChild` at the end.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import os
import sys
import traceback
from collections.abc import Iterator
from multiprocessing.connection import Connection

import cv2
import numpy as np
from numpy.typing import NDArray

from capture.pose import PersonPose, PoseEstimator
from capture.refine import BackfillJob, Observations, backfill_track
from capture.second_pass_messages import (
    Backfill,
    CancelSingle,
    ChildSettings,
    End,
    Failure,
    Progress,
    Result,
    SinglePass,
    StartSingle,
    Stop,
)
from capture.video import Frame, VideoReader


def main(read_fd: int, write_fd: int) -> None:
    receive, send = Connection(read_fd, writable=False), Connection(write_fd, readable=False)
    # Only idle CPU time: any ordinary thread that wakes up preempts this process (and the threads
    # MediaPipe and FFmpeg start from it). Nice 19 is not enough: a woken first-pass thread can
    # wait out a time slice, and MediaPipe hands every frame between several threads.
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    try:
        settings = receive.recv()
        passes = ChildPasses(settings, receive)
        if passes.run():
            one_pose = passes.one_pose if passes.single is SinglePass.DONE else None
            send.send(Result(one_pose=one_pose, backfilled=passes.found))
    except (EOFError, BrokenPipeError):
        pass  # the first pass is gone; nobody to tell
    except Exception:
        with contextlib.suppress(OSError):
            send.send(Failure(traceback=traceback.format_exc()))


class ChildPasses:
    """The child's loop over the video, one frame behind the first pass at most."""

    def __init__(self, settings: ChildSettings, receive: Connection) -> None:
        self.s = settings
        self.receive = receive
        self.found: dict[int, dict[int, PersonPose]] = {}
        self.progress = -1  # the first pass's last frame
        self.ended = False  # the first pass has read the whole video
        self.single = SinglePass.WAITING if settings.config.single_person_pass else SinglePass.CANCELLED
        self.single_frames: Iterator[Frame] | None = None  # the single-person pass's own reader
        self.single_next = 0  # the next frame the single-person pass estimates
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
                            self.recent.append((frame.index, frame.bgr))
                            decoded = frame.index + 1
                        continue
                    if self.ended:
                        break
                    if not self._read_messages(block=True):
                        return False
            self._serve_ready_jobs(decoded, final=True)
            while self._single_step():
                pass
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

    def _single_step(self) -> bool:
        """Estimate the single-person pass's next frame if it may (running, not ahead of the first
        pass); False when there was nothing to do."""
        if self.single is not SinglePass.RUNNING or self.single_frames is None:
            return False
        if not self.ended and self.single_next > self.progress:
            return False
        frame = next(self.single_frames, None)
        if frame is None:
            self.single = SinglePass.DONE
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
            match message:
                case Stop():
                    return False
                case Progress(frame_index=index):
                    self.progress = max(self.progress, index)
                case Backfill(job=job):
                    self.jobs.append(job)
                case StartSingle() if self.single is SinglePass.WAITING:
                    self._single_reader = VideoReader(self.s.path)
                    self.single_frames = iter(self._single_reader)
                    self.single = SinglePass.RUNNING
                case CancelSingle():
                    self.single = SinglePass.CANCELLED
                    self.one_pose.clear()
                case End():
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
            sampling_rate_hz=self.s.sampling_rate_hz,
            tracker_config=self.s.tracker_config,
            config=self.s.config,
        )


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
