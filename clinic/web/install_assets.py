"""Fetch the pages' third-party JavaScript at install time: ``python -m clinic.web.install_assets``.

Two packages, both from the npm registry with ``npm pack`` (the only network access, as for the
pose models in :mod:`capture.install_models`), each tarball's SHA-256 checked:

* ``tus-js-client`` (MIT), the resumable-upload client of the visit page
  (``clinic/web/static/clinic/visit.js``): its browser bundle ``dist/tus.min.js`` and ``LICENSE`` go
  to ``clinic/web/static/clinic/vendor/tus-js-client/``; the page falls back to the one-request form
  when the file is missing.
* ``@mediapipe/pose`` (Apache-2.0), the in-browser pose runtime of the live-capture page
  (``clinic/web/static/clinic/live.js``): its JavaScript, WebAssembly and model files go to
  ``clinic/web/static/clinic/vendor/mediapipe-pose/``, so nothing comes from a CDN; the page offers
  only server-side pose estimation when they are missing. The package and its checksum are the pose
  library's (:mod:`capture.variants`), which builds its ``lite`` and ``heavy`` models from the same
  tarball.

Both directories are ignored by git (megabytes of minified code and binaries from a registry are
better pinned by checksum than reviewed as a diff). Nothing is fetched at run time. Idempotent: a
directory stamped with the pinned checksum is left alone.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from capture import variants
from capture.install_models import InstallError, npm_tarball, sha256

PACKAGE = "tus-js-client@4.3.1"
TARBALL_SHA256 = "919f46808b2c689be9214df5c0f21879bee4a4599b34e212ada8f14de1db9bc0"
FILES = {"package/dist/tus.min.js": "tus.min.js", "package/LICENSE": "LICENSE"}
TARGET = Path(__file__).resolve().parent / "static" / "clinic" / "vendor" / "tus-js-client"
STAMP = ".installed-from"


def is_current(directory: Path = TARGET) -> bool:
    try:
        stamped = (directory / STAMP).read_text().strip() == TARBALL_SHA256
    except OSError:
        return False
    return stamped and all((directory / name).is_file() for name in FILES.values())


def fetch(workdir: Path) -> Path:
    """``npm pack`` the pinned package into ``workdir``; the tarball, checksum verified."""
    npm = shutil.which("npm")
    if npm is None:
        raise InstallError(f"npm is needed to fetch {PACKAGE}; install Node.js/npm.")
    done = subprocess.run(
        [npm, "pack", PACKAGE, "--silent", "--pack-destination", str(workdir)],
        capture_output=True,
        text=True,
        check=False,
    )
    tarballs = sorted(workdir.glob("*.tgz"))
    if done.returncode != 0 or len(tarballs) != 1:
        raise InstallError(f"`npm pack {PACKAGE}` failed: {done.stderr.strip() or done.stdout.strip()}")
    actual = sha256(tarballs[0].read_bytes())
    if actual != TARBALL_SHA256:
        raise InstallError(f"Checksum mismatch for {PACKAGE}: expected {TARBALL_SHA256}, got {actual}.")
    return tarballs[0]


def install_from(tarball: Path, directory: Path = TARGET) -> None:
    """Copy the browser bundle and licence out of ``tarball`` (each written, then renamed)."""
    directory.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball, "r:gz") as archive:
        for member, name in FILES.items():
            source = archive.extractfile(member)
            if source is None:
                raise InstallError(f"{PACKAGE} has no {member}.")
            partial = directory / f".{name}.partial"
            partial.write_bytes(source.read())
            partial.replace(directory / name)
    (directory / STAMP).write_text(TARBALL_SHA256 + "\n")


def install(directory: Path = TARGET) -> bool:
    """Fetch and copy unless already current; True when something was installed."""
    if is_current(directory):
        return False
    with tempfile.TemporaryDirectory(prefix="clinic-npm-") as tmp:
        install_from(fetch(Path(tmp)), directory)
    return True


# The in-browser pose runtime of the live-capture page: every file of these kinds in the package.
POSE_RUNTIME_DIR = TARGET.parent / "mediapipe-pose"
POSE_RUNTIME_SUFFIXES = (".js", ".wasm", ".data", ".binarypb", ".tflite")


def pose_runtime_current(directory: Path = POSE_RUNTIME_DIR) -> bool:
    try:
        return (directory / STAMP).read_text().strip() == variants.NPM_TARBALL_SHA256
    except OSError:
        return False


def install_pose_runtime_from(tarball: Path, directory: Path = POSE_RUNTIME_DIR) -> None:
    """Copy the package's JavaScript, WebAssembly and model files (each written, then renamed)."""
    directory.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball, "r:gz") as archive:
        for member in archive.getmembers():
            name = Path(member.name).name
            if not member.isfile() or not name.endswith(POSE_RUNTIME_SUFFIXES):
                continue
            source = archive.extractfile(member)
            if source is None:
                raise InstallError(f"{variants.NPM_PACKAGE} has an unreadable file {name}.")
            partial = directory / f".{name}.partial"
            partial.write_bytes(source.read())
            partial.replace(directory / name)
    (directory / STAMP).write_text(variants.NPM_TARBALL_SHA256 + "\n")


def install_pose_runtime(directory: Path = POSE_RUNTIME_DIR) -> bool:
    """Fetch and copy unless already current; True when something was installed."""
    if pose_runtime_current(directory):
        return False
    with tempfile.TemporaryDirectory(prefix="clinic-npm-") as tmp:
        install_pose_runtime_from(npm_tarball(workdir=Path(tmp)), directory)
    return True


def main() -> int:
    try:
        installed = install()
        runtime_installed = install_pose_runtime()
    except InstallError as exc:
        print(f"error: {exc}")
        return 1
    print(f"{PACKAGE}: {'installed' if installed else 'already installed'} in {TARGET}")
    done = "installed" if runtime_installed else "already installed"
    print(f"{variants.NPM_PACKAGE}: {done} in {POSE_RUNTIME_DIR}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
