"""Case folders for the validation tests, built from the bundled reference data."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

# A clinic names its case folders as it likes: markup characters must stay text in every output.
CLINIC_CASE = 'knee <OA> & "slow" walk'


@pytest.fixture
def reference_data() -> Path:
    path = Path(settings.VALIDATION_DATA_DIR)
    if not path.is_dir():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"the bundled reference data is required under CI=true (VALIDATION_DATA_DIR={path})")
        pytest.skip(f"bundled reference data not at {path}")
    return path


@pytest.fixture
def clinic_cases_dir(reference_data: Path, tmp_path: Path) -> Path:
    """A clinic's folder with one motion-capture case in the documented layout: the SMK trial's
    C3D file (force-plate events computed from its plates) and its marker map."""
    root = tmp_path / "clinic-cases"
    case = root / CLINIC_CASE
    case.mkdir(parents=True)
    trial = reference_data / "mocap" / "multilab" / "smk_overground"
    shutil.copy(trial / "trial.c3d", case / "trial.c3d")
    meta = json.loads((trial / "case.json").read_text())
    (case / "case.json").write_text(json.dumps({"map": meta["map"]}))
    return root
