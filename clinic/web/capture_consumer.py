"""Live capture over a WebSocket: ``ws/capture/<patient id>/`` (messages in :mod:`capture.protocol`).

The Channels adapter of the live-capture page (:mod:`clinic.web.capture_views`): the pose library
(:mod:`capture.live`) does the work, the services store recordings.

One :class:`~capture.live.LiveSession` per connection, used only from the connection's own
single worker thread: frames are handed over through a newest-frame-wins slot, so a slow model
drops stale frames instead of queueing them, and the event loop never runs inference. Frames
live in memory only (decoded, inferred, dropped); a recording keeps landmarks, not images.

Only an authenticated user who may see the patient gets a connection (otherwise the handshake is
refused: 4401 not logged in, 4404 patient not visible). Bad messages are answered with an
``error`` message and the connection carries on.
"""

from __future__ import annotations

import asyncio
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs
from uuid import UUID

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from analysis.angles import CONVENTION
from capture import protocol
from capture.live import FrameError, LatestSlot, LiveSession, ResampledRecording, mediapipe_factory
from capture.variants import ModelNotInstalledError
from clinic.access import log as access_log
from clinic.access.policy import NotVisible, can_see
from clinic.domain.errors import DomainError
from clinic.domain.present import format_value
from clinic.projections.models import AnalysisView
from clinic.services.analysis import progress_group
from clinic.services.recordings import recording_start, recording_stop

log = logging.getLogger(__name__)

CLOSE_NOT_AUTHENTICATED = 4401
CLOSE_NOT_VISIBLE = 4404


def _query(scope: dict[str, Any]) -> dict[str, str]:
    raw = scope.get("query_string", b"").decode("latin-1")
    return {k: v[-1] for k, v in parse_qs(raw).items()}


def _may_see(user: Any, patient_id: UUID) -> bool:
    allowed = can_see(user, patient_id)
    access_log.record(
        user=user,
        action="live_capture",
        object_type="patient",
        object_id=patient_id,
        outcome="allowed" if allowed else "denied",
    )
    return allowed


class LiveCaptureConsumer(AsyncWebsocketConsumer):  # type: ignore[misc]
    #: How a session builds its pose estimator; tests swap in a recorded or slow estimator.
    estimator_factory = staticmethod(mediapipe_factory)

    async def connect(self) -> None:
        self.worker: asyncio.Task[None] | None = None
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_NOT_AUTHENTICATED)
            return
        self.user = user
        self.patient_id = UUID(str(self.scope["url_route"]["kwargs"]["patient_id"]))
        if not await database_sync_to_async(_may_see)(user, self.patient_id):
            await self.close(code=CLOSE_NOT_VISIBLE)
            return
        q = _query(self.scope)
        try:
            config = protocol.parse_text(
                json.dumps(
                    {
                        "type": "config",
                        "model": q.get("model", "full"),
                        "exercise": q.get("exercise", "squat"),
                        "people": int(q.get("people", "1")),
                    }
                )
            )
        except (protocol.ProtocolError, ValueError):
            config = protocol.Config(model="full", exercise="squat", people=1)
        assert isinstance(config, protocol.Config)
        self.session = LiveSession(
            model=config.model or "full",
            exercise=config.exercise or "squat",
            people=config.people or 1,
            factory=type(self).estimator_factory,
        )
        self.mode = "server"
        self.recording_id: UUID | None = None
        self.groups_joined: set[str] = set()
        self.stopping: asyncio.Task[None] | None = None
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pose-session")
        self.slot: LatestSlot[protocol.Frame | protocol.Keypoints] = LatestSlot()
        await self.accept()
        self.worker = asyncio.create_task(self._work())
        await self._send(
            {
                "type": "ready",
                "model": self.session.model,
                "auto": self.session.auto,
                "exercise": self.session.exercise,
                "people": self.session.people,
                "max_frame_bytes": protocol.MAX_FRAME_BYTES,
                "max_text_bytes": protocol.MAX_TEXT_BYTES,
                "angle_convention": CONVENTION,
            }
        )

    async def disconnect(self, code: int) -> None:
        if self.worker is None:
            return  # refused before accept: nothing was set up
        self.worker.cancel()
        if self.stopping is not None:
            await self.stopping
        if self.recording_id is not None:
            try:
                await self._stop_recording()
            except Exception:  # the socket is gone; keep what was recorded if we can, say why if not
                log.exception("could not store the recording %s on disconnect", self.recording_id)
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self.executor, self.session.close)
        self.executor.shutdown(wait=False)

    async def _send(self, body: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(body, allow_nan=False))

    async def _error(self, code: str, message: str) -> None:
        await self.send(text_data=protocol.error(code, message))

    async def _in_worker(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    # receiving ---------------------------------------------------------------------------------
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            if bytes_data is not None:
                self.slot.put(protocol.parse_binary(bytes_data))
                self.mode = "server"
                return
            message = protocol.parse_text(text_data or "")
        except protocol.ProtocolError as exc:
            await self._error(exc.code, str(exc))
            return
        if isinstance(message, protocol.Keypoints):
            self.slot.put(message)
            self.mode = "browser"
        elif isinstance(message, protocol.Config):
            await self._in_worker(
                lambda: self.session.configure(
                    model=message.model, exercise=message.exercise, people=message.people
                )
            )
            await self._send(
                {
                    "type": "config",
                    "model": self.session.model,
                    "auto": self.session.auto,
                    "exercise": self.session.exercise,
                    "people": self.session.people,
                }
            )
        elif isinstance(message, protocol.Ping):
            await self._send({"type": "pong", "t": message.client_ms})
        elif isinstance(message, protocol.Record):
            await self._record(message)

    # processing --------------------------------------------------------------------------------
    def _process(self, item: protocol.Frame | protocol.Keypoints) -> dict[str, Any]:
        if isinstance(item, protocol.Frame):
            return self.session.process_jpeg(item.jpeg)
        return self.session.process_keypoints(
            item.normalized, item.world, width_px=item.width_px, height_px=item.height_px
        )

    async def _work(self) -> None:
        while True:
            item = await self.slot.take()
            try:
                body = await self._in_worker(self._process, item)
            except FrameError as exc:
                await self._error("bad_image", str(exc))
                continue
            except ModelNotInstalledError as exc:
                await self._error("model_missing", str(exc))
                continue
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("live frame failed")
                await self._error("frame_failed", "This frame could not be analysed.")
                continue
            body.update(
                seq=item.seq, t=item.client_ms, dropped=self.slot.dropped, received=self.slot.accepted
            )
            await self._send(body)
            if self.session.take_test_stop() is not None and self.recording_id is not None:
                # The test's stop rule (analysis.stop_rules) ended it: store it as a stop by hand would.
                self.stopping = asyncio.create_task(self._stop_in_background())
                continue
            full = self.session.recording is not None and self.session.recording.full
            if full and self.recording_id is not None:
                await self._error(
                    "recording_full", "The recording reached its 10-minute limit and was stopped."
                )
                await self._stop_recording()

    # recording ---------------------------------------------------------------------------------
    async def _record(self, message: protocol.Record) -> None:
        if message.action == "start":
            if self.recording_id is not None:
                await self._error("already_recording", "A recording is already running.")
                return
            assert message.visit_id is not None
            try:
                written = await database_sync_to_async(self._start_recording)(message.visit_id)
            except (DomainError, NotVisible) as exc:
                await self._error("recording_refused", str(exc).capitalize() + ".")
                return
            self.recording_id = written.id
            await self._in_worker(self.session.start_recording)
            await self._join(message.visit_id)
            await self._send({"type": "recording", "state": "started", "recording_id": str(written.id)})
            return
        if self.recording_id is None:
            await self._error("not_recording", "No recording is running.")
            return
        # Storing (and, with Celery in-process, analysing) takes a while: frames keep flowing meanwhile.
        self.stopping = asyncio.create_task(self._stop_in_background())

    def _start_recording(self, visit_id: UUID) -> Any:
        return recording_start(
            user=self.user,
            patient_id=self.patient_id,
            visit_id=visit_id,
            exercise=self.session.exercise,
            model=self.session.model,
            mode=self.mode,
        )

    async def _stop_in_background(self) -> None:
        try:
            await self._stop_recording()
        except Exception:
            log.exception("could not store a recording")
            await self._error("recording_failed", "The recording could not be stored; please record again.")

    async def _stop_recording(self) -> None:
        recording_id, self.recording_id = self.recording_id, None
        if recording_id is None:
            return  # already being stored (the test stopped itself as the clinician pressed stop)
        recorded: ResampledRecording | None = await self._in_worker(self.session.stop_recording)
        if recorded is None:
            await self._error("empty_recording", "Nothing was recorded: no frame arrived while recording.")
            return
        try:
            stopped = await database_sync_to_async(self._store)(recording_id, recorded)
        except DomainError as exc:
            await self._error("recording_refused", str(exc).capitalize() + ".")
            return
        await self._send(
            {
                "type": "recording",
                "state": "stopped",
                "recording_id": str(recording_id),
                "frames": recorded.sequence.frames,
                "frames_received": recorded.frames_received,
                "fps": recorded.sequence.sampling_rate_hz,
                "sequence_sha256": stopped.sequence_sha256,
                "analysis_id": str(stopped.analysis_id),
            }
        )

    def _store(self, recording_id: UUID, recorded: ResampledRecording) -> Any:
        return recording_stop(
            user=self.user,
            patient_id=self.patient_id,
            recording_id=recording_id,
            exercise=self.session.exercise,
            sequence=recorded.sequence,
            duration_s=recorded.duration_s,
        )

    # analysis results --------------------------------------------------------------------------
    async def _join(self, visit_id: UUID) -> None:
        group = progress_group(visit_id)
        if group not in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.add(group)

    async def analysis_progress(self, event: dict[str, Any]) -> None:
        """Relay the offline analysis' progress; on completion, add its results."""
        body = {k: v for k, v in event.items() if k != "type"}
        body["type"] = "analysis"
        if event.get("status") in ("completed", "failed"):
            body["result"] = await database_sync_to_async(self._analysis_result)(
                UUID(str(event["analysis_id"]))
            )
        await self._send(body)

    def _analysis_result(self, analysis_id: UUID) -> dict[str, Any] | None:
        view = AnalysisView.objects.filter(analysis_id=analysis_id, patient_id=self.patient_id).first()
        if view is None:
            return None
        # Each value with the wording pages and documents use ("2 repetitions", "89°").
        metrics = [
            {**m, "text": format_value(m["value"], unit=m["unit"], metric=m["metric"])} for m in view.metrics
        ]
        return {"status": view.status, "metrics": metrics, "failure_reason": view.failure_reason}
