"""Every CSV the product writes: text a spreadsheet would evaluate is neutralised, numbers are not."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from capture.sequence import LandmarkSequence
from clinic.reports import archive, recording, tables
from clinic.reports.csvcells import TRIGGERS, SafeWriter, neutralise
from tests.unit.reports.records import record

FORMULA = '=HYPERLINK("http://x","y")'


def read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def assert_safe(rows: list[list[str]]) -> None:
    """No cell starts a formula: each starts otherwise, or is a plain number."""
    for row in rows:
        for cell in row:
            assert not cell.startswith(TRIGGERS) or is_number(cell), cell


@pytest.mark.parametrize(
    "text", [FORMULA, "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1", "-", "=", "-cmd|' /C calc'!A0"]
)
def test_text_that_starts_a_formula_gets_an_apostrophe(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", [-3.2, -3, 0, 1e-9, "-3.20", "+1e-3", "-.5", "12", "Gait speed", "", None])
def test_numbers_and_ordinary_text_are_unchanged(value: object) -> None:
    assert neutralise(value) == value


@given(st.text(max_size=30))
def test_any_text_round_trips_safely(text: str) -> None:
    out = io.StringIO()
    SafeWriter(out).writerow([text])
    [[cell]] = read(out.getvalue())
    assert_safe([[cell]])
    assert cell in (text, "'" + text)


def test_practice_index_neutralises_names_and_keeps_folders_usable() -> None:
    patient = replace(record(FORMULA, notes=FORMULA), given_name=FORMULA, family_name=FORMULA)
    content = archive.practice_zip([patient])
    with zipfile.ZipFile(io.BytesIO(content)) as zipped:
        rows = read(zipped.read("index.csv").decode())
        assert_safe(rows)
        index = dict(zip(rows[0], rows[1], strict=True))
        assert index["family_name"] == index["given_name"] == "'" + FORMULA
        # The folder is named from letters and digits; it no longer starts with "-" (a trigger).
        assert index["folder"].startswith("hyperlink-") and index["folder"].endswith("-00000000")
        assert f"{index['folder']}/measurements.csv" in zipped.namelist()
        assert_safe(read(zipped.read(f"{index['folder']}/measurements.csv").decode()))


def test_measurements_csv_keeps_values_numeric_and_text_neutral() -> None:
    base = record()
    first = replace(base.measurements[0], value=-3.2, label=FORMULA, method="-video")
    rows = read(tables.metrics_csv(replace(base, measurements=(first, *base.measurements[1:]))))
    assert_safe(rows)
    header, row = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert header == list(tables.COLUMNS)
    assert row["value"] == "-3.2" and float(row["value"]) == -3.2
    assert row["label"] == "'" + FORMULA and row["method"] == "'-video"


def test_recording_csv_keeps_negative_angles_numeric() -> None:
    """A walking subject seen from the side: hip extension angles are negative numbers."""
    frames = 30
    image = np.full((1, frames, 33, 4), np.nan)
    t = np.linspace(0, 1, frames)
    for index, (x, y) in {
        11: (300, 100),  # shoulders
        12: (300, 100),
        23: (300, 200),  # hips
        24: (300, 200),
        25: (300, 300),  # knees, swinging behind and in front of the hip
        26: (300, 300),
        27: (300, 400),  # ankles
        28: (300, 400),
    }.items():
        image[0, :, index, 0] = x + (60 * np.sin(2 * np.pi * t) if index in (25, 26, 27, 28) else 0)
        image[0, :, index, 1] = y
        image[0, :, index, 3] = 1.0
    sequence = LandmarkSequence(
        image=image,
        world=image.copy(),
        person_ids=(1,),
        subject=1,
        sampling_rate_hz=30.0,
        width_px=640,
        height_px=480,
        model="lite",
    )
    rows = read(recording.recording_csv(sequence))
    assert_safe(rows)
    negatives = [cell for row in rows[1:] for cell in row if cell.startswith("-")]
    assert negatives and all(is_number(cell) for cell in negatives)
