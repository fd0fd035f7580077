"""Where the latest validation report lives (``settings.VALIDATION_REPORT_DIR``): ``latest.json``
(the figures), ``latest.html`` and ``latest.pdf``. All three are rendered before any is written,
and each is written to a temporary file and renamed, so a failed run leaves the previous report
whole."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

NAMES = {"json": "latest.json", "html": "latest.html", "pdf": "latest.pdf"}


def write_report(directory: Path, *, report: dict[str, Any], html: str, pdf: bytes) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    payloads = {
        "json": json.dumps(report, indent=1, allow_nan=False).encode(),
        "html": html.encode(),
        "pdf": pdf,
    }
    staged: dict[str, str] = {}
    try:
        for fmt, data in payloads.items():
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{fmt}-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            staged[fmt] = tmp
    except OSError:
        for tmp in staged.values():
            Path(tmp).unlink(missing_ok=True)
        raise
    # The JSON last: readers take it as the sign that a report is complete.
    for fmt in ("html", "pdf", "json"):
        os.replace(staged[fmt], directory / NAMES[fmt])
    return {fmt: directory / name for fmt, name in NAMES.items()}


def read_latest(directory: Path) -> dict[str, Any] | None:
    """The stored report's figures, or None when no report was written (or it is unreadable)."""
    try:
        data = json.loads((directory / NAMES["json"]).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("metrics"), list) else None


_cache: dict[Path, tuple[float, dict[str, dict[str, Any]]]] = {}


def accuracy_by_metric(directory: Path) -> dict[str, dict[str, Any]]:
    """Per product metric code (e.g. ``"cadence"``), the stored report's accuracy note: ``text``
    ("±4.1 steps/min, validated on 3 cases"), ``generated_at``. Re-read only when the file changes,
    because every value row of the visit page asks."""
    from clinic.validation.present import accuracy_text

    path = directory / NAMES["json"]
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return {}
    cached = _cache.get(path)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    report = read_latest(directory)
    notes: dict[str, dict[str, Any]] = {}
    for metric in (report or {}).get("metrics", []):
        code = metric.get("product_metric")
        text = accuracy_text(metric) if code else None
        if code and text:
            notes[code] = {"text": text, "generated_at": report.get("generated_at", "") if report else ""}
    _cache[path] = (mtime, notes)
    return notes
