"""``manage.py validate [--no-video] [--cases DIR ...] [--output DIR]``: the validation report.

Thin adapter: collects the bundled reference cases (``settings.VALIDATION_DATA_DIR``) and a
clinic's own case folders (``--cases``, layout in the README), runs them
(:mod:`clinic.validation.run`) and stores ``latest.json``, ``latest.html`` and ``latest.pdf`` in
``--output`` (default ``settings.VALIDATION_REPORT_DIR``, which the Validation page shows).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from clinic.validation.cases import CaseError, bundled_cases, clinic_cases
from clinic.validation.html import render_html
from clinic.validation.pdf import render_pdf
from clinic.validation.present import pooled_sentence
from clinic.validation.run import build_report
from clinic.validation.store import write_report


class Command(BaseCommand):
    help = "Run every reference case (motion capture with force plates, annotated videos, reference landmarks) and write the validation report."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--cases",
            action="append",
            default=[],
            metavar="DIR",
            help="a folder of the clinic's own reference cases (one sub-folder per case; repeatable)",
        )
        parser.add_argument(
            "--no-video",
            action="store_true",
            help="skip the video cases (pose estimation runs at about real time); markers and reference landmarks still run",
        )
        parser.add_argument("--no-bundled", action="store_true", help="only the --cases folders")
        parser.add_argument("--output", default=None, help="folder for latest.{json,html,pdf}")

    def handle(self, *args: Any, **opts: Any) -> None:
        video = not opts["no_video"]
        try:
            if opts["no_bundled"]:
                from clinic.validation.cases import CaseSet

                case_set = CaseSet()
            else:
                case_set = bundled_cases(Path(settings.VALIDATION_DATA_DIR), video=video)
            for folder in opts["cases"]:
                root = Path(folder)
                found = clinic_cases(root)
                case_set.cases += [c for c in found if video or c.kind != "video"]
                case_set.datasets.append({"name": "clinic cases", "path": str(root.resolve())})
        except CaseError as exc:
            raise CommandError(str(exc)) from None
        if not case_set.cases:
            raise CommandError("No reference cases to run.")
        report = build_report(
            case_set, video=video, progress=lambda line: self.stdout.write(f"running {line}")
        )
        out_dir = Path(opts["output"] or settings.VALIDATION_REPORT_DIR)
        try:
            paths = write_report(out_dir, report=report, html=render_html(report), pdf=render_pdf(report))
        except OSError as exc:
            raise CommandError(f"Cannot write the report to {out_dir}: {exc.strerror or exc}.") from None
        for metric in report["metrics"]:
            self.stdout.write(f"{metric['label']} ({metric['unit']}): {pooled_sentence(metric)}")
        for case in report["cases"]:
            if case["error"]:
                self.stderr.write(f"case {case['name']} not run: {case['error']}")
        self.stdout.write(f"written: {paths['html']}, {paths['pdf']}, {paths['json']}")
