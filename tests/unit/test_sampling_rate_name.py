"""The sampling rate has one name in the numerical code: ``sampling_rate_hz`` (ARCHITECTURE principle 6).

Checked on the syntax tree, so prose ("30 fps") and stored keys (the JSON ``"rate_hz"``, the
``.npz`` entry ``"fps_hz"``, which are strings) are left alone. The event schema (``fps`` on
``RecordingStopped`` and ``LandmarkSequenceStored``) and the read models that copy it live in
clinic/domain and clinic/projections, outside these packages.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("analysis", "capture", "clinic/analysis_jobs")
OTHER_NAMES = {"rate_hz", "fps", "fps_hz"}


def _names(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, name) of every parameter, keyword, attribute, assigned name and field."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.arg):
            found.append((node.lineno, node.arg))
        elif isinstance(node, ast.keyword) and node.arg is not None:
            found.append((node.value.lineno, node.arg))
        elif isinstance(node, ast.Attribute):
            found.append((node.lineno, node.attr))
        elif isinstance(node, ast.Name):
            found.append((node.lineno, node.id))
    return found


def test_the_sampling_rate_has_one_name() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line} {name}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, name in _names(ast.parse(path.read_text(), filename=str(path)))
        if name in OTHER_NAMES
    ]
    assert offenders == [], "call the sampling rate sampling_rate_hz:\n" + "\n".join(offenders)
