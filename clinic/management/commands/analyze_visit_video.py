"""``python manage.py analyze_visit_video PATH --patient ID --visit ID [--as USERNAME]``.

The command-line twin of the visit page's upload: the same checks, sealing, events and queued
analysis (:func:`clinic.services.uploads.video_upload`), with a progress bar, then the recorded
results. Without ``REDIS_URL`` the analysis runs in this process; with it, a Celery worker runs it
and this command follows its progress on the visit's Channels group until it is recorded.

``--as`` names the acting user (their access is checked and logged); by default it is the visit's
therapist. Every expected failure is one sentence on stderr and a non-zero exit.

(The ``analyze_video`` command of the pose engine analyses a file without any patient record; it
was being changed by its owner, so the record-keeping variant lives here instead.)
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from analysis.activities import ACTIVITIES
from clinic import dispatch
from clinic.access.policy import NotVisible
from clinic.analysis_jobs.config import MODELS, ConfigError
from clinic.analysis_jobs.upload_check import UploadRefused
from clinic.domain.errors import DomainError
from clinic.domain.present import format_value
from clinic.domain.vocabulary import metric_label
from clinic.projections.models import AnalysisView, VisitView
from clinic.services import analysis as service
from clinic.services import uploads


def _uuid(value: str, what: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise CommandError(f"--{what} must be a UUID, not {value!r}.") from None


class Command(BaseCommand):
    help = (
        "Upload a video to a visit, analyse it (pose, gait, exercise, balance, ergonomics, 3D) and record it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="video file (mp4, webm, mov, avi)")
        parser.add_argument("--patient", required=True, help="patient id")
        parser.add_argument("--visit", required=True, help="visit id")
        parser.add_argument(
            "--as", dest="username", default=None, help="acting user (default: the visit's therapist)"
        )
        parser.add_argument("--model", choices=MODELS, default="full", help="BlazePose variant")
        parser.add_argument("--exercise", choices=ACTIVITIES, default="auto", help="what the subject does")
        parser.add_argument("--height-m", type=float, default=None, help="subject's body height in metres")
        parser.add_argument("--no-refine-3d", action="store_true", help="skip the 3D skeleton fit")
        parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for a worker")
        parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        patient_id = _uuid(options["patient"], "patient")
        visit_id = _uuid(options["visit"], "visit")
        if not path.is_file():
            raise CommandError(f"The video file {path} does not exist.")
        user = self._user(options["username"], patient_id, visit_id)
        config = {
            "model": options["model"],
            "activity": options["exercise"],
            "height_m": options["height_m"],
            "refine_3d": not options["no_refine_3d"],
        }
        if dispatch.mode() == "thread":
            # Embedded: this command is the process that runs the analysis, so it runs it here.
            settings.ANALYSIS_DISPATCH = "inline"
        bar = tqdm(total=100, unit="%", desc=path.name, disable=options["no_progress"], leave=False)
        last: dict[str, Any] = {}

        def show(message: dict[str, Any]) -> None:
            last.update(message)
            bar.update(max(0.0, float(message["percent"]) - bar.n))
            bar.set_postfix_str(message.get("stage", ""))

        try:
            with service.listening(show):
                result = uploads.video_upload(
                    user=user,
                    patient_id=patient_id,
                    visit_id=visit_id,
                    uploaded=SimpleUploadedFile(path.name, path.read_bytes()),
                    config=config,
                )
                if not result.duplicate and dispatch.mode() == "queue":
                    _follow(visit_id, result.analysis_id, show, timeout_s=options["timeout"])
        except NotVisible:
            raise CommandError(f"{user.username} may not see patient {patient_id}.") from None
        except (UploadRefused, ConfigError, DomainError) as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        self.stdout.write(_report(result.analysis_id, duplicate=result.duplicate))
        analysis = AnalysisView.objects.get(analysis_id=result.analysis_id)
        if analysis.status == "failed":
            raise CommandError(f"The analysis failed: {analysis.failure_reason}")

    def _user(self, username: str | None, patient_id: UUID, visit_id: UUID) -> Any:
        users = get_user_model().objects
        if username:
            user = users.filter(username=username).first()
            if user is None:
                raise CommandError(f"There is no user {username!r}.")
            return user
        visit = VisitView.objects.filter(visit_id=visit_id, patient_id=patient_id).first()
        if visit is None:
            raise CommandError(f"Patient {patient_id} has no visit {visit_id}.")
        return users.get(pk=visit.therapist_id)


def _follow(visit_id: UUID, analysis_id: UUID, show: Any, *, timeout_s: float) -> None:
    """Follow a worker's progress on the visit's group until the analysis is recorded.

    One event loop for the whole wait: the channel layer's receive buffers belong to a loop.
    """
    import asyncio

    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    group = service.progress_group(visit_id)
    loop = asyncio.new_event_loop()
    channel = ""

    async def receive(channel: str) -> dict[str, Any] | None:
        try:
            message: dict[str, Any] = await asyncio.wait_for(layer.receive(channel), 2.0)
        except TimeoutError:
            return None
        return message

    try:
        channel = loop.run_until_complete(layer.new_channel())
        loop.run_until_complete(layer.group_add(group, channel))
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            status = (
                AnalysisView.objects.filter(analysis_id=analysis_id).values_list("status", flat=True).first()
            )
            if status in ("completed", "failed"):
                return
            message = loop.run_until_complete(receive(channel))
            if message is not None and message.get("analysis_id") == str(analysis_id):
                show(message)
        raise CommandError(f"No result after {timeout_s:g} s; is a Celery worker running?")
    finally:
        if channel:
            loop.run_until_complete(layer.group_discard(group, channel))
        loop.close()


def _report(analysis_id: UUID, *, duplicate: bool) -> str:
    analysis = AnalysisView.objects.get(analysis_id=analysis_id)
    lines = [
        f"analysis {analysis_id}: {analysis.status}"
        + (" (this video was already analysed for this visit)" if duplicate else "")
    ]
    if analysis.status == "completed":
        detected = (analysis.summary.get("analysis") or {}).get("detected") or []
        lines.append(f"  detected: {', '.join(detected) or 'nothing specific'}")
        sentence = (analysis.summary.get("subject") or {}).get("sentence")
        if sentence:
            lines.append(f"  {sentence}")
        lines.append("  values are preliminary until reviewed on the visit page:")
        for m in analysis.metrics:
            grading = ", ".join(f"{key} {m[key]}" for key in ("quality", "view") if m.get(key))
            value = format_value(m["value"], unit=m["unit"], metric=m["metric"])
            lines.append(
                f"  {metric_label(m['metric'])}{_side(m)}: {value}" + (f" ({grading})" if grading else "")
            )
        for w in analysis.withheld:
            lines.append(f"  not reported, {metric_label(w['metric'])}{_side(w)}: {w['reason']}")
        lines.append(f"  software {analysis.software_version}, landmarks {analysis.sequence_sha256[:12]}")
    return "\n".join(lines)


def _side(value: dict[str, Any]) -> str:
    return f" ({value['side']})" if value.get("side") else ""
