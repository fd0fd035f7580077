"""The live-capture WebSocket consumer on the Redis channel layer, through the real ASGI stack
(session cookie authentication, origin check, URL routing)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import numpy as np
import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from capture import protocol
from capture.sequence import decode_sequence
from clinic import blobs
from clinic.eventstore import store
from clinic.services.streams import patient_stream
from clinic.web.capture_consumer import CLOSE_NOT_AUTHENTICATED, CLOSE_NOT_VISIBLE, LiveCaptureConsumer
from tests import factories
from tests.integration.live.conftest import ReplayEstimator, jpeg

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@dataclass
class World:
    patient_id: UUID
    visit_id: UUID
    therapist: bytes  # session cookies
    other_therapist: bytes


@pytest.fixture
def world(redis_layer: None) -> World:
    practice = factories.make_practice()
    patient = factories.make_patient(practice.therapist)
    visit_id, _ = factories.make_evaluation(practice.therapist, patient)
    return World(patient.id, visit_id, _cookie(practice.therapist), _cookie(practice.other_therapist))


def _cookie(user: Any) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def communicator(patient_id: UUID, cookie: bytes | None, query: str = "") -> WebsocketCommunicator:
    from clinic.config.asgi import application

    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if cookie is not None:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, f"/ws/capture/{patient_id}/{query}", headers=headers)


@pytest.fixture
def replay(monkeypatch: pytest.MonkeyPatch, squat_landmarks: np.ndarray) -> ReplayEstimator:
    estimator = ReplayEstimator(frames=squat_landmarks, source_size=(720, 1280))
    monkeypatch.setattr(
        LiveCaptureConsumer, "estimator_factory", staticmethod(lambda model, people: estimator)
    )
    return estimator


async def _until(ws: WebsocketCommunicator, kind: str, timeout: float = 10.0) -> dict[str, Any]:
    while True:
        message = json.loads(await ws.receive_from(timeout=timeout))
        if message["type"] == kind:
            return message


async def test_anonymous_user_is_refused(world: World) -> None:
    ws = communicator(world.patient_id, None)
    connected, code = await ws.connect()
    assert (connected, code) == (False, CLOSE_NOT_AUTHENTICATED)


async def test_user_who_may_not_see_the_patient_is_refused(world: World) -> None:
    ws = communicator(world.patient_id, world.other_therapist)
    connected, code = await ws.connect()
    assert (connected, code) == (False, CLOSE_NOT_VISIBLE)
    ws = communicator(UUID(int=7), world.therapist)
    assert await ws.connect() == (False, CLOSE_NOT_VISIBLE)


async def test_bad_messages_get_an_error_and_the_connection_keeps_working(
    world: World, replay: ReplayEstimator
) -> None:
    ws = communicator(world.patient_id, world.therapist)
    connected, _ = await ws.connect()
    assert connected
    ready = await _until(ws, "ready")
    assert ready["max_frame_bytes"] == protocol.MAX_FRAME_BYTES
    header = protocol.encode_frame(b"", seq=1, client_ms=1.0)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    cases = [
        ({"text_data": "{not json"}, "bad_json"),
        ({"text_data": json.dumps({"type": "teleport"})}, "unknown_type"),
        ({"text_data": json.dumps({"type": "config", "model": "huge"})}, "bad_model"),
        (
            {
                "text_data": json.dumps(
                    {"type": "keypoints", "t": 1, "width": 64, "height": 48, "people": [[1, 2]]}
                )
            },
            "bad_message",
        ),
        ({"bytes_data": b"\x00\x01garbage"}, "bad_frame"),
        ({"bytes_data": header + png}, "not_jpeg"),
        ({"bytes_data": header + b"\xff" * (protocol.MAX_FRAME_BYTES + 1)}, "frame_too_large"),
        ({"bytes_data": header + b"\xff\xd8\xff" + b"\x00" * 200}, "bad_image"),
        ({"text_data": json.dumps({"type": "record", "action": "stop"})}, "not_recording"),
    ]
    for message, code in cases:
        await ws.send_to(**message)
        reply = await _until(ws, "error")
        assert reply["code"] == code, (message, reply)
        assert reply["message"].endswith(".")
    assert replay.calls == 0  # nothing malformed reached the model
    await ws.send_to(bytes_data=protocol.encode_frame(jpeg(), seq=5, client_ms=123.5))
    pose = await _until(ws, "pose")
    assert (pose["seq"], pose["t"]) == (5, 123.5)
    assert len(pose["people"]) == 1 and len(pose["people"][0]["landmarks"]) == 33
    await ws.disconnect()


async def test_newest_frame_wins_under_a_burst(world: World, replay: ReplayEstimator) -> None:
    replay.delay_s = 0.15  # a model far slower than the frames arrive
    ws = communicator(world.patient_id, world.therapist)
    assert (await ws.connect())[0]
    await _until(ws, "ready")
    burst = 30
    for seq in range(burst):
        await ws.send_to(bytes_data=protocol.encode_frame(jpeg(shade=seq), seq=seq, client_ms=float(seq)))
    replies = []
    while not replies or replies[-1]["seq"] != burst - 1:
        replies.append(await _until(ws, "pose", timeout=5))
    await asyncio.sleep(0.4)
    assert await ws.receive_nothing(timeout=0.3)  # no stale frame is processed after the newest
    seqs = [r["seq"] for r in replies]
    assert seqs == sorted(seqs)
    # At most the frame in flight when the burst arrived plus the newest one are processed.
    assert len(replies) <= 3
    assert replay.calls == len(replies)
    assert replies[-1]["dropped"] == burst - len(replies)
    # Inference ran on the connection's worker thread, never the event loop's.
    assert replay.threads and all(name.startswith("pose-session") for name in replay.threads)
    assert np.all(np.diff(replay.timestamps) > 0)
    await ws.disconnect()


async def test_recording_stores_the_sequence_and_appends_events(
    world: World, replay: ReplayEstimator, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    queued: list[dict[str, Any]] = []
    settings.ANALYSIS_DISPATCH = "inline"
    monkeypatch.setattr("clinic.dispatch.run_in_process", queued.append)
    ws = communicator(world.patient_id, world.therapist, "?exercise=squat&model=lite")
    assert (await ws.connect())[0]
    await _until(ws, "ready")
    await ws.send_to(
        text_data=json.dumps({"type": "record", "action": "start", "visit_id": str(world.visit_id)})
    )
    started = await _until(ws, "recording")
    assert started["state"] == "started"
    last: dict[str, Any] = {}
    for seq in range(65):  # the whole squat clip, one frame at a time as a camera would
        await ws.send_to(bytes_data=protocol.encode_frame(jpeg(90, 160), seq=seq, client_ms=seq * 200.0))
        last = await _until(ws, "pose")
        await asyncio.sleep(0.01)
    assert last["metrics"]["reps"] == 2  # two complete squats, the third is cut off
    assert set(last["people"][0]["angles"]) == {"left_knee", "right_knee", "left_hip", "right_hip"}
    await ws.send_to(text_data=json.dumps({"type": "record", "action": "stop"}))
    stopped = await _until(ws, "recording", timeout=20)
    assert stopped["state"] == "stopped" and stopped["frames_received"] == 65
    await ws.disconnect()
    await database_sync_to_async(_check_recording_stored)(world, stopped, queued)


def _check_recording_stored(world: World, stopped: dict[str, Any], queued: list[dict[str, Any]]) -> None:
    events = list(store.read_stream(patient_stream(world.patient_id)))
    types = [e.event_type for e in events]
    for name in ("RecordingStarted", "RecordingStopped", "LandmarkSequenceStored", "AnalysisRequested"):
        assert types.count(name) == 1, types
    by_type = {e.event_type: e.data for e in events}
    assert by_type["RecordingStarted"]["exercise"] == "squat"
    assert by_type["RecordingStarted"]["model"] == "lite"
    assert by_type["RecordingStarted"]["mode"] == "server"
    sha = by_type["LandmarkSequenceStored"]["sequence_sha256"]
    assert sha == stopped["sequence_sha256"] == by_type["AnalysisRequested"]["content_sha256"]
    assert by_type["AnalysisRequested"]["config"]["activity"] == "squat"
    sequence = decode_sequence(blobs.get("sequence", world.patient_id, sha))
    assert sequence.person_ids == (1,) and sequence.subject == 1
    assert (sequence.width_px, sequence.height_px) == (90, 160)
    assert sequence.frames == by_type["RecordingStopped"]["frames"] == stopped["frames"]
    # The stored pixels are the estimator's landmarks at the frame size (not the display-smoothed ones).
    assert np.nanmax(sequence.image[0, :, :, 0]) <= 90 and np.nanmin(sequence.image[0, :, :, 1]) >= 0
    assert len(queued) == 1 and queued[0]["content_sha256"] == sha and queued[0]["source"] == "recording"
