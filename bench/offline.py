"""Benchmark: offline analysis through the Celery queue against ``analyze_video`` in-process.

Video: ``walk_side_two_people.mp4`` (230 frames, 1768x994, two people).

- anchor: :func:`capture.sections.analyze_video` in this process (what ``manage.py analyze_video``
  computes, minus writing files): decode, pose, tracking, subject, gait/exercise/balance/angles;
- queue: :func:`clinic.services.uploads.video_upload` (checks, sealing with the patient's key,
  ``VideoUploaded`` + ``AnalysisRequested``) until ``AnalysisCompleted`` is in the database, run
  by one Celery worker process (``--pool=solo``) over Redis: reading the sealed video, the same
  pose and sections, REBA, storing the landmark sequence, the events, the projections and the
  video's deletion. 3D refinement is off here because ``analyze_video`` does not do it.

Runs alternate anchor/queue ``--repeats`` times and the best of each counts (the machine is
shared). Target: queue within 15% of the anchor (ratio <= 1.15). Throughput: ``--jobs`` uploads
queued at once for one worker, then for two workers; videos per minute and the speed-up.

Needs PostgreSQL and Redis: DATABASE_URL (a database this script may migrate, default
postgres://postgres@127.0.0.1:5432/clinic_bench, created if missing) and REDIS_URL.

Run: .venv/bin/python bench/offline.py [--model lite] [--repeats 2] [--jobs 4]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
VIDEO = REPO.parent / "shared" / "data" / "videos" / "walk_side_two_people.mp4"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/clinic_bench"
sys.path.insert(0, str(REPO))


def _environment() -> tuple[str, str, Path]:
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DB)
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url:
        sys.exit("bench/offline.py needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL).")
    data_dir = Path(tempfile.mkdtemp(prefix="clinic-bench-offline-"))
    os.environ.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="clinic.config.settings",
        CELERY_TASK_ALWAYS_EAGER="false",
    )
    return database_url, redis_url, data_dir


def _create_database(database_url: str) -> None:
    import psycopg

    base, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


class Workers:
    def __init__(self, queue: str, data_dir: Path) -> None:
        self.queue, self.data_dir, self.processes = queue, data_dir, []  # type: ignore[var-annotated]

    def start(self, count: int) -> None:
        env = {**os.environ, "CLINIC_TEST_QUEUE": self.queue, "PYTHONPATH": str(REPO)}
        for _ in range(count):
            log = self.data_dir / f"worker-{len(self.processes)}.log"
            with log.open("wb") as handle:
                process = subprocess.Popen(
                    [str(Path(sys.executable).with_name("celery")), "-A",
                     "tests.integration.analysis_tasks.worker_app", "worker", "--pool=solo", "-Q", self.queue,
                     "-n", f"bench{len(self.processes)}-{uuid.uuid4().hex[:6]}@%h", "--without-gossip",
                     "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
                    cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT,
                )  # fmt: skip
            self.processes.append((process, log))
        for process, log in self.processes:
            deadline = time.monotonic() + 120
            while " ready." not in log.read_text(errors="replace"):
                if process.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"a worker did not start:\n{log.read_text(errors='replace')[-2000:]}")
                time.sleep(0.2)

    def stop(self) -> None:
        for process, _ in self.processes:
            process.terminate()
        for process, _ in self.processes:
            process.wait(timeout=60)
        self.processes.clear()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="lite", choices=("lite", "full", "heavy"))
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=4)
    args = parser.parse_args()
    database_url, _, data_dir = _environment()
    _create_database(database_url)

    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from capture.sections import analyze_video
    from clinic import celery_app
    from clinic.projections.models import AnalysisView
    from clinic.services import patients, practices, uploads, visits

    call_command("migrate", verbosity=0)
    queue = f"clinic-bench-{uuid.uuid4().hex[:10]}"
    celery_app.conf.task_default_queue = queue
    celery_app.conf.task_always_eager = False
    from django.contrib.auth import get_user_model

    practice_id = practices.practice_open(name=f"Bench {queue}")
    user_id = practices.staff_add(
        practice_id=practice_id, username=queue, password=uuid.uuid4().hex, role="therapist",
        first_name="Ben", last_name="Ch", credentials="PT",  # visits are recorded by a credentialed clinician
    )  # fmt: skip
    user = get_user_model().objects.get(pk=user_id)
    patient = patients.patient_register(
        user=user, given_name="Bench", family_name="Walker", date_of_birth=date(1970, 1, 1), sex="female",
        diagnoses=[("R26.89", "Other abnormalities of gait")], referring_physician="Dr B", payer="Self",
    )  # fmt: skip
    data = VIDEO.read_bytes()
    config = {"model": args.model, "height_m": 1.65, "refine_3d": False}

    recorded: list[Any] = []

    def new_visit() -> Any:
        kind = "treatment" if recorded else "evaluation"  # an episode starts with its evaluation
        visit = visits.visit_record(
            user=user, patient_id=patient.id, visit_type=kind, visit_date=date.today(), expected_version=None
        )
        recorded.append(visit.id)
        return visit.id

    def submit(visit_id: Any) -> Any:
        return uploads.video_upload(
            user=user, patient_id=patient.id, visit_id=visit_id,
            uploaded=SimpleUploadedFile(VIDEO.name, data), config=config,
        ).analysis_id  # fmt: skip

    def wait(ids: list[Any]) -> None:
        deadline = time.monotonic() + 1800
        while AnalysisView.objects.filter(analysis_id__in=ids, status="requested").exists():
            if time.monotonic() > deadline:
                sys.exit("the queue did not finish in 30 minutes")
            time.sleep(0.05)
        failed = list(
            AnalysisView.objects.filter(analysis_id__in=ids, status="failed").values_list(
                "failure_reason", flat=True
            )
        )
        if failed:
            sys.exit(f"analysis failed: {failed[0]}")

    workers = Workers(queue, data_dir)
    try:
        workers.start(1)
        direct, queued = [], []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            analyze_video(VIDEO, model=args.model, height_m=1.65)
            direct.append(time.perf_counter() - t0)
            visit_id = new_visit()
            t0 = time.perf_counter()
            analysis_id = submit(visit_id)
            wait([analysis_id])
            queued.append(time.perf_counter() - t0)
            print(f"round: direct {direct[-1]:.2f} s, queue {queued[-1]:.2f} s", flush=True)

        throughput = {}
        for count in (1, 2):
            if count == 2:
                workers.start(1)
            new_visits = [new_visit() for _ in range(args.jobs)]
            t0 = time.perf_counter()
            ids = [submit(v) for v in new_visits]
            wait(ids)
            elapsed = time.perf_counter() - t0
            throughput[count] = 60.0 * args.jobs / elapsed
            print(f"{count} worker(s): {args.jobs} videos in {elapsed:.1f} s", flush=True)
    finally:
        workers.stop()

    best_direct, best_queue = min(direct), min(queued)
    print(f"model: {args.model}")
    print(f"direct_analyze_video_s: {best_direct:.2f}")
    print(f"queue_upload_to_results_s: {best_queue:.2f}")
    print(f"queue_vs_direct_ratio: {best_queue / best_direct:.3f}")
    print(f"throughput_1_worker_videos_per_min: {throughput[1]:.2f}")
    print(f"throughput_2_workers_videos_per_min: {throughput[2]:.2f}")
    print(f"speedup_2_workers: {throughput[2] / throughput[1]:.2f}")


if __name__ == "__main__":
    main()
