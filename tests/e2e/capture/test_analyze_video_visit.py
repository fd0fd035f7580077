"""analyze_video --patient --visit hands over to the visit recording path (same checks, same events)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command


def test_patient_and_visit_go_together(tmp_path) -> None:  # type: ignore[no-untyped-def]
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"not really a video")
    with pytest.raises(CommandError, match="--patient and --visit go together"):
        call_command("analyze_video", str(video), patient="00000000-0000-0000-0000-000000000001")


@pytest.mark.django_db
def test_delegates_to_the_visit_command(tmp_path) -> None:  # type: ignore[no-untyped-def]
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"not really a video")
    # The visit command's own validation answers, so the hand-over happened.
    with pytest.raises(CommandError, match="--patient must be a UUID"):
        call_command(
            "analyze_video", str(video), patient="nope", visit="00000000-0000-0000-0000-000000000002"
        )
