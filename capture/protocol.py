"""Messages of the live-capture WebSocket (``/ws/capture/<patient id>/``), parsed and checked once.

Client to server
----------------
* **Binary frame** (server mode): ``b"PF"`` magic, one version byte (1), a ``uint32`` sequence
  number and a ``float64`` client timestamp in milliseconds (``performance.now()``), little-endian,
  then the JPEG bytes. The client timestamp is echoed back so the page measures end-to-end latency
  on its own clock. At most :data:`MAX_FRAME_BYTES`.
* **Text** JSON objects with a ``type``:

  - ``{"type": "config", "model": "lite|full|heavy|auto", "exercise": "...", "people": 1-3}``;
  - ``{"type": "keypoints", "seq": n, "t": ms, "width": px, "height": px, "people": [[[x, y, z, v]
    x 33], ...], "world": [...]}`` (in-browser mode: normalised image coordinates, world in metres);
  - ``{"type": "record", "action": "start", "visit_id": "<uuid>"}`` / ``{"type": "record",
    "action": "stop"}``;
  - ``{"type": "ping", "t": ms}``.

Server to client
----------------
``ready``, ``pose`` (people with ids, normalised landmarks and angles; metrics; timing), ``cue``,
``recording``, ``analysis`` (forwarded from the visit's group) and ``error`` (``code`` and a
``message`` a person understands). An error never closes the connection.

Size limits
-----------
``ready`` advertises ``max_frame_bytes`` (:data:`MAX_FRAME_BYTES`) and ``max_text_bytes``
(:data:`MAX_TEXT_BYTES`, UTF-8 bytes). A larger message is answered with ``frame_too_large`` or
``message_too_large``. For that the server's WebSocket transport must let it through: a server
drops the connection (close code 1009) on a message over its own limit (Daphne's default is 1 MiB,
below the advertised frame size). The server (``clinic.config.serve``) therefore accepts
:data:`TRANSPORT_MAX_MESSAGE_BYTES`; only beyond that does it end the connection (1009).
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass
from typing import Any, Final, Literal
from uuid import UUID

import numpy as np
from numpy.typing import NDArray

from analysis.activities import LIVE_ACTIVITIES
from capture.landmarks import NUM_LANDMARKS
from capture.variants import VARIANTS

MAGIC: Final = b"PF"
VERSION: Final = 1
# magic, version, sequence number, client time in ms (float64: float32 would lose milliseconds)
HEADER: Final = struct.Struct("<2sBId")
MAX_FRAME_BYTES: Final = 2 * 1024 * 1024
MAX_TEXT_BYTES: Final = 256 * 1024
# What the WebSocket server (Uvicorn's ws_max_size, set by clinic.config.serve) must accept so that
# messages up to twice the advertised limits get an answer.
TRANSPORT_MAX_MESSAGE_BYTES: Final = 2 * MAX_FRAME_BYTES
MAX_PEOPLE: Final = 3
JPEG_SOI: Final = b"\xff\xd8\xff"

EXERCISES: Final = LIVE_ACTIVITIES
MODEL_CHOICES: Final = (*VARIANTS, "auto")

FloatArray = NDArray[np.float64]


class ProtocolError(ValueError):
    """A message the server cannot use; ``code`` is stable, ``str()`` one sentence for the page."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Frame:
    seq: int
    client_ms: float
    jpeg: bytes


@dataclass(frozen=True)
class Config:
    model: str | None = None
    exercise: str | None = None
    people: int | None = None


@dataclass(frozen=True)
class Keypoints:
    """In-browser pose output: ``normalized`` ``(P, 33, 4)`` x/width, y/height, z/width, visibility;
    ``world`` ``(P, 33, 3)`` metres or None."""

    seq: int
    client_ms: float
    width_px: int
    height_px: int
    normalized: FloatArray
    world: FloatArray | None


@dataclass(frozen=True)
class Record:
    action: Literal["start", "stop"]
    visit_id: UUID | None = None


@dataclass(frozen=True)
class Ping:
    client_ms: float


Message = Frame | Config | Keypoints | Record | Ping


def encode_frame(jpeg: bytes, *, seq: int, client_ms: float) -> bytes:
    """The binary message for one JPEG frame (what the page's JavaScript builds)."""
    return HEADER.pack(MAGIC, VERSION, seq & 0xFFFFFFFF, client_ms) + jpeg


def parse_binary(data: bytes) -> Frame:
    if len(data) > MAX_FRAME_BYTES:
        raise ProtocolError(
            "frame_too_large", f"The frame is {len(data)} bytes; the limit is {MAX_FRAME_BYTES} bytes."
        )
    if len(data) < HEADER.size + len(JPEG_SOI) or data[:2] != MAGIC:
        raise ProtocolError("bad_frame", "A binary message must be a frame header followed by a JPEG image.")
    _magic, version, seq, client_ms = HEADER.unpack_from(data)
    if version != VERSION:
        raise ProtocolError("bad_frame", f"Frame format version {version} is not supported (expected 1).")
    jpeg = data[HEADER.size :]
    if not jpeg.startswith(JPEG_SOI):
        raise ProtocolError("not_jpeg", "Frames must be JPEG images.")
    if not math.isfinite(client_ms):
        raise ProtocolError("bad_frame", "The frame timestamp is not a number.")
    return Frame(seq=int(seq), client_ms=float(client_ms), jpeg=jpeg)


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ProtocolError("bad_message", f"{name!r} must be a number.")
    return float(value)


def _landmark_array(value: Any, *, columns: int, name: str) -> FloatArray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ProtocolError("bad_message", f"{name!r} must be lists of numbers.") from None
    if arr.ndim != 3 or arr.shape[1:] != (NUM_LANDMARKS, columns) or arr.shape[0] > MAX_PEOPLE:
        raise ProtocolError(
            "bad_message",
            f"{name!r} must hold up to {MAX_PEOPLE} people of {NUM_LANDMARKS} x {columns} values.",
        )
    return arr


def _parse_keypoints(obj: dict[str, Any]) -> Keypoints:
    width, height = _number(obj.get("width"), "width"), _number(obj.get("height"), "height")
    if not (16 <= width <= 4096 and 16 <= height <= 4096):
        raise ProtocolError("bad_message", "The image size must be between 16 and 4096 pixels.")
    normalized = _landmark_array(obj.get("people", []), columns=4, name="people")
    world_raw = obj.get("world")
    world = None if world_raw is None else _landmark_array(world_raw, columns=3, name="world")
    if world is not None and world.shape[0] != normalized.shape[0]:
        raise ProtocolError("bad_message", "'world' must have one entry per person.")
    return Keypoints(
        seq=int(_number(obj.get("seq", 0), "seq")),
        client_ms=_number(obj.get("t"), "t"),
        width_px=int(width),
        height_px=int(height),
        normalized=normalized,
        world=world,
    )


def parse_text(text: str) -> Message:
    # Characters first (cheap); a character is at most 4 UTF-8 bytes, so only then count bytes.
    if len(text) > MAX_TEXT_BYTES or (
        len(text) > MAX_TEXT_BYTES // 4 and len(text.encode()) > MAX_TEXT_BYTES
    ):
        raise ProtocolError("message_too_large", f"Text messages are limited to {MAX_TEXT_BYTES} bytes.")
    try:
        obj = json.loads(text)
    except ValueError:
        raise ProtocolError("bad_json", "The message is not valid JSON.") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
        raise ProtocolError("bad_message", "A message must be a JSON object with a 'type'.")
    kind = obj["type"]
    if kind == "config":
        model, exercise, people = obj.get("model"), obj.get("exercise"), obj.get("people")
        if model is not None and model not in MODEL_CHOICES:
            raise ProtocolError("bad_model", f"The model must be one of {', '.join(MODEL_CHOICES)}.")
        if exercise is not None and exercise not in EXERCISES:
            raise ProtocolError("bad_exercise", f"The exercise must be one of {', '.join(EXERCISES)}.")
        if people is not None and (isinstance(people, bool) or people not in range(1, MAX_PEOPLE + 1)):
            raise ProtocolError("bad_message", f"'people' must be between 1 and {MAX_PEOPLE}.")
        return Config(model=model, exercise=exercise, people=people)
    if kind == "keypoints":
        return _parse_keypoints(obj)
    if kind == "record":
        action = obj.get("action")
        if action == "stop":
            return Record(action="stop")
        if action == "start":
            try:
                return Record(action="start", visit_id=UUID(str(obj.get("visit_id"))))
            except ValueError:
                raise ProtocolError("bad_message", "Choose the visit to record into.") from None
        raise ProtocolError("bad_message", "'action' must be 'start' or 'stop'.")
    if kind == "ping":
        return Ping(client_ms=_number(obj.get("t"), "t"))
    raise ProtocolError("unknown_type", f"Unknown message type {kind!r}.")


def error(code: str, message: str) -> str:
    return json.dumps({"type": "error", "code": code, "message": message})
