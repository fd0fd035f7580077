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

This module is the first pass's side (:class:`SecondPasses`); the child's loop is
:mod:`capture.second_pass_child`, started by :mod:`capture.second_pass_process`, and the messages
between them are the dataclasses of :mod:`capture.second_pass_messages`. The child sends all its
results at the end, when the first pass is reading, so neither side can block the other on a
full pipe.
"""

from __future__ import annotations

import dataclasses
import math
import subprocess
import threading
from typing import Any, Final

from capture.pose import PersonPose, PoseConfig
from capture.refine import (
    EstimatorFactory,
    Observations,
    RefineConfig,
    apply_single_person_pass,
    backfill_job,
)
from capture.second_pass_messages import (
    Backfill,
    CancelSingle,
    ChildSettings,
    End,
    Failure,
    Progress,
    SinglePass,
    StartSingle,
    Stop,
    ToChild,
)
from capture.second_pass_process import start_child
from capture.tracking import TrackerConfig

# Frames kept by the child for backfills, at most this many bytes (a longer search window at a
# very large frame size is shortened; the search then stops earlier).
MAX_FRAME_BUFFER_BYTES: Final = 512 * 2**20
# How long the first pass waits for the child after its own end before giving up on it.
CHILD_TIMEOUT_S: Final = 600.0
_POLL_S: Final = 0.05


class SecondPassError(RuntimeError):
    """The child process of the second passes failed; the message carries its traceback."""


class SecondPasses:
    """The second passes for one video; use as a context manager around the first pass.

    The first pass calls :meth:`after_frame` after tracking each frame and :meth:`finish` at the
    end; leaving the context stops the child if it is still running.
    """

    def __init__(
        self,
        path: str,
        *,
        sampling_rate_hz: float,
        frame_count: int,
        width_px: int,
        height_px: int,
        make_estimator: EstimatorFactory,
        pose_config: PoseConfig,
        tracker_config: TrackerConfig,
        config: RefineConfig,
    ) -> None:
        self._horizon = round(config.backfill_s * sampling_rate_hz)
        self._velocity_window = max(2, round(tracker_config.velocity_window_s * sampling_rate_hz))
        # A person is searched for once they are sure to be reported and their velocity is known.
        self._ready_frames = max(
            math.ceil(tracker_config.min_track_s * sampling_rate_hz - 1e-9), self._velocity_window, 1
        )
        frame_bytes = max(1, width_px * height_px * 3)
        buffer_frames = min(self._horizon + self._ready_frames + 2, MAX_FRAME_BUFFER_BYTES // frame_bytes)
        settings = ChildSettings(
            path=path,
            sampling_rate_hz=sampling_rate_hz,
            make_estimator=make_estimator,
            one_pose=dataclasses.replace(pose_config, num_poses=1),
            tracker_config=tracker_config,
            config=config,
            horizon_frames=self._horizon,
            buffer_frames=max(buffer_frames, 1),
        )
        self._child, self._send, self._receive = start_child(settings)
        self._config = config
        self._child_gone = False  # the child closed its end (it failed; finish() reports why)
        self._delivered = False  # the child's answer has arrived
        self._submitted: set[int] = set()
        self._single = SinglePass.WAITING if config.single_person_pass else SinglePass.CANCELLED
        # Never later than a quarter into the clip, so that the pass can still finish beside the
        # first pass on a short clip (the container's frame count; 0 when it does not say).
        self._single_after_frames = round(config.single_pass_after_s * sampling_rate_hz)
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
                    self._post(Backfill(job=job))
        self._post(Progress(frame_index=frame_index))

    def finish(
        self, kept: Observations, *, single_person: bool, identity: dict[int, int] | None = None
    ) -> dict[str, Any]:
        """Wait for the child and merge its poses into ``kept`` (the reported people, updated in
        place). ``single_person``: the first pass reported one person and never saw two at once.
        ``identity`` maps the tracker's track ids to the ids of ``kept`` when pieces were joined
        (:mod:`capture.stitching`; default: the same ids). Returns ``single_person_pass`` (frames
        replaced, or None) and ``backfilled`` (frames added per id of ``kept``). Raises
        :class:`SecondPassError` when the child failed."""
        if single_person:
            self._start_single()  # not started yet on a clip shorter than its delay
        else:
            self._cancel_single()
        self._post(End())
        one_pose, found = self._result()
        replaced: int | None = None
        if single_person and one_pose is not None and len(kept) == 1:
            (track,) = kept.values()
            replaced = apply_single_person_pass(track, one_pose, config=self._config)
        # The single-person pass replaces first-pass frames only, so backfilled frames merge after.
        added = {tid: 0 for tid in kept}
        for piece, poses in found.items():
            tid = piece if identity is None else identity.get(piece, piece)
            if tid in kept:
                # A piece's backfill stops at another piece's detections, so it only fills frames
                # nobody was seen in; frames the joined identity already has stay as they are.
                new = {f: p for f, p in poses.items() if f not in kept[tid]}
                kept[tid].update(new)
                added[tid] += len(new)
        return {"single_person_pass": replaced, "backfilled": added}

    def _start_single(self) -> None:
        if self._single is SinglePass.WAITING:
            self._single = SinglePass.RUNNING
            self._post(StartSingle())

    def _cancel_single(self) -> None:
        if self._single is not SinglePass.CANCELLED:
            self._single = SinglePass.CANCELLED
            self._post(CancelSingle())

    def _post(self, message: ToChild) -> None:
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
        if isinstance(message, Failure):
            raise SecondPassError(f"The second passes failed:\n{message.traceback}")
        return message.one_pose, message.backfilled

    def close(self) -> None:
        """Stop the child if it is still working and close the pipes.

        A child that has sent its result is not waited for (it may still be shutting MediaPipe
        down); a daemon thread reaps it.
        """
        if self._child.poll() is None and not self._delivered:
            self._post(Stop())
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
