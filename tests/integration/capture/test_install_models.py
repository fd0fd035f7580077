"""The install step: bundles with normalisation metadata, checksums, idempotence."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from capture import install_models, variants


def _metadata_json(model: bytes) -> dict[str, object]:
    from mediapipe.tasks.python.metadata import metadata

    loaded: dict[str, object] = json.loads(
        metadata.MetadataDisplayer.with_model_buffer(model).get_metadata_json()
    )
    return loaded


def _normalization(model: bytes) -> tuple[list[float], list[float]]:
    tensor = _metadata_json(model)["subgraph_metadata"][0]["input_tensor_metadata"][0]  # type: ignore[index]
    options = tensor["process_units"][0]["options"]
    return options["mean"], options["std"]


def test_full_bundle_is_built_with_normalisation_metadata_and_only_once(tmp_path: Path) -> None:
    assert install_models.install(["full"], directory=tmp_path) == ["full"]
    bundle = tmp_path / "pose_landmarker_full.task"
    with zipfile.ZipFile(bundle) as archive:
        assert sorted(archive.namelist()) == ["pose_detector.tflite", "pose_landmarks_detector.tflite"]
        assert all(info.compress_type == zipfile.ZIP_STORED for info in archive.infolist())
        detector = archive.read("pose_detector.tflite")
        landmarker = archive.read("pose_landmarks_detector.tflite")
    assert _normalization(detector) == ([127.5], [127.5])
    assert _normalization(landmarker) == ([0.0], [255.0])
    assert variants.bundle_path("full", directory=tmp_path) == bundle
    assert json.loads((tmp_path / "manifest.json").read_text()) == {"full": variants.LANDMARK_SHA256["full"]}
    built_at = bundle.stat().st_mtime_ns
    assert install_models.install(["full"], directory=tmp_path) == []  # idempotent
    assert bundle.stat().st_mtime_ns == built_at


def test_damaged_bundle_is_rebuilt(tmp_path: Path) -> None:
    install_models.install(["full"], directory=tmp_path)
    (tmp_path / "pose_landmarker_full.task").write_bytes(b"not a zip")
    with pytest.raises(variants.ModelNotInstalledError, match="damaged"):
        variants.bundle_path("full", directory=tmp_path)
    assert install_models.install(["full"], directory=tmp_path) == ["full"]
    assert variants.bundle_path("full", directory=tmp_path).stat().st_size > 1_000_000


def test_missing_variant_names_the_install_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSE_MODEL_DIR", str(tmp_path))
    assert variants.model_dir() == tmp_path
    with pytest.raises(variants.ModelNotInstalledError, match=r"run `make install`"):
        variants.bundle_path("heavy")
    with pytest.raises(variants.UnknownVariantError, match="choose one of lite, full, heavy"):
        variants.bundle_path("huge")


def test_checksum_mismatch_stops_the_install() -> None:
    with pytest.raises(install_models.InstallError, match="Checksum mismatch for the test model"):
        install_models._verified(b"tampered", variants.DETECTOR_SHA256, "the test model")


def test_installed_cache_has_all_three_variants() -> None:
    """`make install` ran before the tests: lite and heavy came from npm, full from the wheel."""
    assert variants.installed_variants() == ["lite", "full", "heavy"]
    manifest = json.loads((variants.model_dir() / "manifest.json").read_text())
    assert manifest == variants.LANDMARK_SHA256
