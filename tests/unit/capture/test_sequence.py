"""The one landmark sequence type: checked at construction, stored in an unchanged ``.npz`` format."""

from __future__ import annotations

import hashlib
import io
import zipfile

import numpy as np
import pytest

from capture.live import Recording, resample_recording
from capture.sequence import LandmarkSequence, SequenceError, decode_sequence, encode_sequence


def _two_people(frames: int = 4) -> LandmarkSequence:
    values = np.arange(2 * frames * 33 * 4, dtype=np.float64).reshape(2, frames, 33, 4) / 7.0
    image = values.copy()
    image[1, 2] = np.nan  # the second person unseen in frame 2
    return LandmarkSequence(
        image=image,
        world=values / 100,
        person_ids=(3, 5),
        subject=5,
        sampling_rate_hz=29.97,
        width_px=640,
        height_px=480,
        model="heavy",
    )


def test_stored_format_is_the_one_already_on_disk() -> None:
    """Entry names, order, timestamps and contents as the encoder wrote them before the type was
    shared (digest taken from that encoder): blobs already stored stay readable and a re-encoded
    sequence keeps its content hash. The deflate stream itself is zlib's, so it is not pinned."""
    data = encode_sequence(_two_people())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = archive.infolist()
        assert [e.filename for e in entries] == [
            "image.npy", "world.npy", "person_ids.npy", "subject.npy",
            "fps_hz.npy", "width_px.npy", "height_px.npy", "model.npy",
        ]  # fmt: skip
        assert {e.date_time for e in entries} == {(1980, 1, 1, 0, 0, 0)}
        digest = hashlib.sha256(b"".join(archive.read(e) for e in entries)).hexdigest()
    assert digest == "dbcefea6677d180b93974f014f1d3d1b2060fe8d379dd8abb9f64c1916d34555"


def test_a_plain_numpy_archive_with_the_stored_keys_is_read() -> None:
    """What an older writer may have left: ``np.savez_compressed`` with the same keys, other dtypes."""
    original = _two_people()
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        image=original.image.astype(np.float32),
        world=original.world.astype(np.float32),
        person_ids=np.array([3, 5], dtype=np.int32),
        subject=np.int32(5),
        fps_hz=np.float32(25.0),
        width_px=np.int32(640),
        height_px=np.int32(480),
        model=np.array("heavy"),
    )
    sequence = decode_sequence(buffer.getvalue())
    assert sequence.image.dtype == np.float64 and sequence.frames == 4
    assert sequence.person_ids == (3, 5) and sequence.subject == 5 and sequence.sampling_rate_hz == 25.0
    np.testing.assert_allclose(sequence.subject_world(), original.world[1], rtol=1e-6)


def test_bad_shapes_are_refused_when_the_sequence_is_made() -> None:
    good = _two_people()
    with pytest.raises(SequenceError, match="one person id per row"):
        LandmarkSequence(**{**vars(good), "person_ids": (3,)})
    with pytest.raises(SequenceError, match=r"\(people, frames, 33, 4\) arrays of equal shape"):
        LandmarkSequence(**{**vars(good), "world": good.world[:, :, :17]})
    made = LandmarkSequence(**{**vars(good), "image": good.image.astype(np.float32), "person_ids": [3, 5]})
    assert made.image.dtype == np.float64 and made.person_ids == (3, 5)


def test_a_stopped_recording_is_a_landmark_sequence_plus_its_own_counts() -> None:
    rec = Recording(started_s=0.0, width_px=640, height_px=480, model="lite")
    for k in range(11):  # 10 Hz for one second
        frame = np.full((33, 4), float(k), np.float32)
        rec.times_s.append(k / 10)
        rec.frames.append({7: (frame, frame / 100)})
        rec.subjects[7] = k + 1
    recorded = resample_recording(rec)
    assert recorded.frames_received == 11 and recorded.duration_s == pytest.approx(1.0)
    stored = decode_sequence(encode_sequence(recorded.sequence))
    assert stored.person_ids == (7,) and stored.subject == 7 and stored.sampling_rate_hz == 10.0
    assert (stored.width_px, stored.height_px, stored.model) == (640, 480, "lite")
    np.testing.assert_allclose(stored.subject_image()[:, 0, 0], np.arange(11.0))
