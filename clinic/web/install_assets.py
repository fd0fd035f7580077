"""Fetch the pages' third-party JavaScript at install time: ``python -m clinic.web.install_assets``.

Today one package: ``tus-js-client`` (MIT), the resumable-upload client of the visit page
(``clinic/web/static/clinic/visit.js``). ``npm pack`` fetches the pinned version from the npm
registry (the only network access, as for the pose models in :mod:`capture.install_models`), the
tarball's SHA-256 is checked, and its browser bundle ``dist/tus.min.js`` and ``LICENSE`` are copied
to ``clinic/web/static/clinic/vendor/tus-js-client/`` (ignored by git: 87 KB of minified code from a
registry is better pinned by checksum than reviewed as a diff). Nothing is fetched at run time; the
page falls back to the one-request form when the file is missing. Idempotent: a directory stamped
with the pinned checksum is left alone.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from capture.install_models import InstallError, sha256

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


def main() -> int:
    try:
        installed = install()
    except InstallError as exc:
        print(f"error: {exc}")
        return 1
    print(f"{PACKAGE}: {'installed' if installed else 'already installed'} in {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
