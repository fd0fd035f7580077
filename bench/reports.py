"""Benchmark: a PDF report with every free-text field at its limit (target under 2 s).

The record (tests/unit/reports/records.py) has every free-text field at its limit in
clinic.domain.limits: 4 SOAP sections of 10,000 characters on every visit, 10 amendments each
carrying a whole note, 12 diagnoses, long names, payer and goal descriptions. The notes are laid
out four ways: prose (one long paragraph), lines (the most lines allowed), markup (characters the
report escapes, with no space to wrap at) and blank (the most lines, nearly all empty). Each
report kind is rendered per layout, best of 3 (the machine may be shared); the headline is the
slowest of those, in wall-clock seconds, with the CPU seconds of the same render beside it.

Anchor, measured in the same run: the same record without amendments (one note per visit).

Run: .venv/bin/python bench/reports.py
"""

from __future__ import annotations

import io
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pypdf import PdfReader

from clinic.reports import pdf
from clinic.reports.model import PatientRecord
from tests.unit.reports.records import LAYOUTS, longest_record


def _render_s(record: PatientRecord, kind: str, *, repeat: int = 3) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, pages) of the fastest of ``repeat`` renders."""
    runs = []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        content = pdf.render(record, kind)
        runs.append((time.perf_counter() - wall, time.process_time() - cpu))
    wall_s, cpu_s = min(runs)
    return wall_s, cpu_s, len(PdfReader(io.BytesIO(content)).pages)


def main() -> None:
    worst_wall_s = worst_cpu_s = 0.0
    for layout in LAYOUTS:
        record = longest_record(layout)
        for kind in pdf.KINDS:
            wall_s, cpu_s, pages = _render_s(record, kind)
            worst_wall_s, worst_cpu_s = max(worst_wall_s, wall_s), max(worst_cpu_s, cpu_s)
            print(f"report_{layout}_{kind}_s: {wall_s:.2f}  (cpu {cpu_s:.2f} s, {pages} pages)")
    longest = longest_record("prose")
    anchor = replace(longest, visits=tuple(replace(v, amendments=()) for v in longest.visits))
    wall_s, cpu_s, _ = _render_s(anchor, "progress")
    print(f"report_without_amendments_s: {wall_s:.2f}  (cpu {cpu_s:.2f} s)")
    print(f"report_max_text_cpu_s: {worst_cpu_s:.2f}")
    print(f"report_max_text_s: {worst_wall_s:.2f}")


if __name__ == "__main__":
    main()
