"""BlazePose model variants and the MediaPipe Tasks bundles built from them.

MediaPipe's ``PoseLandmarker`` loads a ``.task`` file: an uncompressed zip holding
``pose_detector.tflite`` and ``pose_landmarks_detector.tflite``, each carrying TFLite
metadata that tells the Tasks runtime how to normalise the input image. The raw models we
have (the detector and the ``full`` landmark model inside the ``mediapipe`` wheel, and the
``lite``/``heavy`` landmark models from the npm package ``@mediapipe/pose``) carry no such
metadata, so ``python -m capture.install_models`` writes it with MediaPipe's own metadata
writer and zips the bundles once, at install time. At run time this module only *finds*
bundles; it never downloads or builds anything.

Cache location: ``$POSE_MODEL_DIR`` if set, else ``<repo>/.venv/pose-models/`` so that a
fresh virtualenv (as in CI) rebuilds them.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Final, Literal, get_args

Variant = Literal["lite", "full", "heavy"]
VARIANTS: Final[tuple[Variant, ...]] = get_args(Variant)
DEFAULT_VARIANT: Final[Variant] = "full"

INSTALL_COMMAND: Final = "make install"
# What `make install` runs for the models; named too because make skips it once its stamp exists.
INSTALL_MODULE_COMMAND: Final = "python -m capture.install_models"

# Source of the lite and heavy landmark models (the full model is byte-identical to the wheel's).
NPM_PACKAGE: Final = "@mediapipe/pose@0.5.1675469404"
NPM_TARBALL_SHA256: Final = "8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84"

# sha256 of every raw model we bundle, checked at install so a changed upstream file is noticed.
DETECTOR_WHEEL_PATH: Final = "modules/pose_detection/pose_detection.tflite"
DETECTOR_SHA256: Final = "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c"
FULL_WHEEL_PATH: Final = "modules/pose_landmark/pose_landmark_full.tflite"
LANDMARK_SHA256: Final[dict[Variant, str]] = {
    "lite": "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61",
    "full": "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
    "heavy": "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe",
}

# Input normalisation the models were trained with (MediaPipe's pose graphs):
# the detector expects pixels mapped to [-1, 1], the landmark model to [0, 1].
DETECTOR_NORM_MEAN: Final = 127.5
DETECTOR_NORM_STD: Final = 127.5
LANDMARK_NORM_MEAN: Final = 0.0
LANDMARK_NORM_STD: Final = 255.0

# File names the Tasks PoseLandmarker graph looks for inside a bundle.
BUNDLE_DETECTOR_NAME: Final = "pose_detector.tflite"
BUNDLE_LANDMARKER_NAME: Final = "pose_landmarks_detector.tflite"

_REPO_ROOT: Final = Path(__file__).resolve().parent.parent


class ModelNotInstalledError(RuntimeError):
    """A pose model bundle is missing or unreadable; the message names the install command."""


class UnknownVariantError(ValueError):
    """The requested model variant is not one of lite, full, heavy."""


def model_dir() -> Path:
    """Directory holding the built ``.task`` bundles (``$POSE_MODEL_DIR`` or ``<repo>/.venv/pose-models``)."""
    configured = os.environ.get("POSE_MODEL_DIR", "").strip()
    return Path(configured) if configured else _REPO_ROOT / ".venv" / "pose-models"


def check_variant(variant: str) -> Variant:
    """Return ``variant`` typed as a :data:`Variant`, or raise :class:`UnknownVariantError`."""
    for known in VARIANTS:
        if variant == known:
            return known
    raise UnknownVariantError(f"Unknown pose model {variant!r}; choose one of {', '.join(VARIANTS)}.")


def bundle_filename(variant: Variant) -> str:
    return f"pose_landmarker_{variant}.task"


def is_valid_bundle(path: Path) -> bool:
    """True if ``path`` is a readable zip holding both models a PoseLandmarker needs."""
    try:
        with zipfile.ZipFile(path) as bundle:
            names = set(bundle.namelist())
    except (OSError, zipfile.BadZipFile):
        return False
    return {BUNDLE_DETECTOR_NAME, BUNDLE_LANDMARKER_NAME} <= names


def bundle_path(variant: str, *, directory: Path | None = None) -> Path:
    """Path of the installed bundle for ``variant``.

    Raises :class:`ModelNotInstalledError` (naming ``make install``) when the bundle is missing
    or damaged, and :class:`UnknownVariantError` for a name that is not a variant.
    """
    checked = check_variant(variant)
    path = (directory or model_dir()) / bundle_filename(checked)
    if not path.is_file():
        raise ModelNotInstalledError(
            f"The {checked!r} pose model is not installed (expected {path}); "
            f"run `{INSTALL_COMMAND}` or `{INSTALL_MODULE_COMMAND}`."
        )
    if not is_valid_bundle(path):
        raise ModelNotInstalledError(
            f"The {checked!r} pose model at {path} is damaged; run `{INSTALL_COMMAND}` or `{INSTALL_MODULE_COMMAND}`."
        )
    return path


def installed_variants(*, directory: Path | None = None) -> list[Variant]:
    """The variants whose bundles are present and well-formed, in speed order."""
    root = directory or model_dir()
    return [v for v in VARIANTS if is_valid_bundle(root / bundle_filename(v))]
