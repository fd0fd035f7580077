"""The landmark sequence: one type for live recordings, uploads and playback, and its ``.npz`` file.

:class:`LandmarkSequence` is what a live recording resamples to (:func:`capture.live.resample_recording`),
what an uploaded video's pose step produces, and what every analysis step, export and playback
reads. :func:`encode_sequence` writes it as a ``.npz`` file (NumPy zip) byte-for-byte
reproducibly (stored as a ``"sequence"`` blob, sealed with the patient's key);
:func:`decode_sequence` reads it back. Pure numpy: part of the pose library, no Django.

Arrays (``P`` people, ``F`` frames; NaN where a person was not detected in a frame):

* ``image``  ``(P, F, 33, 4)`` float64: x_px, y_px, z_px, visibility (BlazePose image landmarks);
* ``world``  ``(P, F, 33, 4)`` float64: x, y, z in metres (hip-centred), visibility;
* ``person_ids`` ``(P,)`` int64; ``subject`` scalar int64, the analysed person's id (-1: nobody);
* ``fps_hz``, ``width_px``, ``height_px`` scalars; ``model`` (the BlazePose variant) a 0-d string.

``fps_hz`` is the sampling rate (:attr:`LandmarkSequence.sampling_rate_hz`); the key keeps its old
name because the files on disk have it (the stored format does not change with the code's names).

A recording of one person uses ``P = 1`` and ``person_ids = [1]``, ``subject = 1``.
The zip entries carry a fixed timestamp, so the same landmarks always give the same bytes and the
same content hash (a retried task stores one file, not two).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_REQUIRED = ("image", "world", "person_ids", "subject", "fps_hz", "width_px", "height_px", "model")


class SequenceError(ValueError):
    """The bytes are not a landmark sequence in this format; ``str(error)`` is one sentence."""


@dataclass(frozen=True, kw_only=True)
class LandmarkSequence:
    """Landmarks of every reported person; shapes as in the module docstring.

    Checked once, here: ``image`` and ``world`` become float64 ``(P, F, 33, 4)`` arrays of equal
    shape with one id in ``person_ids`` per row, else :class:`SequenceError`.
    """

    image: FloatArray
    world: FloatArray
    person_ids: tuple[int, ...]
    subject: int | None
    sampling_rate_hz: float
    width_px: int
    height_px: int
    model: str

    def __post_init__(self) -> None:
        image = np.asarray(self.image, dtype=np.float64)
        world = np.asarray(self.world, dtype=np.float64)
        if image.ndim != 4 or image.shape[2:] != (33, 4) or world.shape != image.shape:
            raise SequenceError("Landmarks must be (people, frames, 33, 4) arrays of equal shape.")
        if len(self.person_ids) != image.shape[0]:
            raise SequenceError("There must be one person id per row of landmarks.")
        # Normalised in place (the dataclass is frozen): every reader sees float64 arrays and a tuple.
        object.__setattr__(self, "image", image)
        object.__setattr__(self, "world", world)
        object.__setattr__(self, "person_ids", tuple(int(i) for i in self.person_ids))

    @property
    def frames(self) -> int:
        return int(self.image.shape[1])

    def _row(self) -> int:
        if self.subject is None or self.subject not in self.person_ids:
            raise SequenceError("No person was detected, so there is no subject to analyse.")
        return self.person_ids.index(self.subject)

    def subject_image(self) -> FloatArray:
        """``(F, 33, 4)`` pixel landmarks of the subject."""
        out: FloatArray = self.image[self._row()]
        return out

    def subject_world(self) -> FloatArray:
        """``(F, 33, 4)`` world landmarks (metres) of the subject."""
        out: FloatArray = self.world[self._row()]
        return out


def encode_sequence(sequence: LandmarkSequence) -> bytes:
    """The ``.npz`` bytes of ``sequence`` (deterministic: equal sequences give equal bytes)."""
    arrays: dict[str, Any] = {
        "image": sequence.image,
        "world": sequence.world,
        "person_ids": np.asarray(sequence.person_ids, dtype=np.int64),
        "subject": np.int64(-1 if sequence.subject is None else sequence.subject),
        "fps_hz": np.float64(sequence.sampling_rate_hz),
        "width_px": np.int64(sequence.width_px),
        "height_px": np.int64(sequence.height_px),
        "model": np.array(sequence.model),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w") as handle:
                np.lib.format.write_array(handle, np.asanyarray(array), allow_pickle=False)  # type: ignore[no-untyped-call]
    return buffer.getvalue()


def decode_sequence(data: bytes) -> LandmarkSequence:
    """Read :func:`encode_sequence` bytes back; SequenceError for anything else."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            missing = [k for k in _REQUIRED if k not in npz.files]
            if missing:
                raise SequenceError(f"The landmark sequence lacks {', '.join(missing)}.")
            image = np.asarray(npz["image"], dtype=np.float64)
            world = np.asarray(npz["world"], dtype=np.float64)
            if image.ndim != 4 or image.shape[2:] != (33, 4) or world.shape != image.shape:
                raise SequenceError("The stored landmarks are not (people, frames, 33, 4) arrays.")
            subject = int(npz["subject"])
            sequence = LandmarkSequence(
                image=image,
                world=world,
                person_ids=tuple(int(i) for i in npz["person_ids"]),
                subject=None if subject < 0 else subject,
                sampling_rate_hz=float(npz["fps_hz"]),
                width_px=int(npz["width_px"]),
                height_px=int(npz["height_px"]),
                model=str(npz["model"]),
            )
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        if isinstance(exc, SequenceError):
            raise
        raise SequenceError("The stored landmark sequence is not a readable .npz file.") from exc
    if not np.isfinite(sequence.sampling_rate_hz) or sequence.sampling_rate_hz <= 0:
        raise SequenceError("The stored landmark sequence has no valid frame rate.")
    return sequence
