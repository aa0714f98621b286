"""Clients' data kept to the user who runs posture: owner-only files, a private folder for uploads.

Uploads live in <temp>/posture-uploads-<uid>/<pid>-<random>/ (folders 0700), so that a start can tell the
uploads of a process that was killed mid-analysis from those of one still running, and remove them.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from posture.errors import FileError

OWNER_ONLY = 0o077        # the umask that leaves group and others no access to anything created
NO_ROOM = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}
TEMP_FULL = ("The server's temporary folder is full or read-only, so the upload could not be kept for its analysis: "
             "nothing was analysed or saved; free some space on the server (or set TMPDIR to a larger folder) and "
             "try again.")


def owner_only() -> int:
    """From now on every file and folder this process creates is owner-only; the previous umask."""
    return os.umask(OWNER_ONLY)


@contextmanager
def owner_only_files() -> Iterator[None]:
    """Owner-only files while the block runs (a command), the previous umask afterwards."""
    previous = owner_only()
    try:
        yield
    finally:
        os.umask(previous)


def upload_root(base: Path | None = None) -> Path:
    """Our own folder for uploads in the temp folder (or `base`): made 0700, refused if someone else owns it."""
    root = Path(base or tempfile.gettempdir()) / f"posture-uploads-{os.getuid()}"
    try:
        root.mkdir(mode=0o700)
    except FileExistsError:
        pass
    info = root.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise FileError(f"{root} is not a folder of this user (a link, a file or another user's folder): "
                        "remove it, or set TMPDIR to a private folder.")
    if info.st_mode & 0o077:
        root.chmod(0o700)
    return root


@contextmanager
def upload_folder(base: Path | None = None) -> Iterator[Path]:
    """A private folder for one upload, removed with its contents when the block ends (FileError TEMP_FULL when the
    temp folder is full or read-only); `keep_upload` writes into it."""
    try:
        folder = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=upload_root(base)))
    except OSError as e:
        if e.errno in NO_ROOM:
            raise FileError(TEMP_FULL) from e
        raise
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def keep_upload(folder: Path, name: str, data: bytes) -> Path:
    """An upload written into its private folder under its own file name (never a folder of the name's choosing);
    FileError (TEMP_FULL) when the temp folder is full or read-only."""
    path = folder / Path(name).name
    try:
        path.write_bytes(data)
    except OSError as e:
        if e.errno in NO_ROOM:
            raise FileError(TEMP_FULL) from e
        raise
    return path


def sweep_stale_uploads(base: Path | None = None) -> list[Path]:
    """Remove the uploads of processes that no longer run (killed mid-analysis); the folders removed."""
    stale = [entry for entry in upload_root(base).iterdir() if not _running(entry.name.split("-")[0])]
    for entry in stale:
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
    return stale


def _running(pid: str) -> bool:
    """Whether the process with this id (a folder name's prefix) still runs; not a number: no."""
    if not pid.isdigit() or int(pid) == 0:       # 0 would mean our own process group
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:          # another user's process runs under that id
        return True
    except OverflowError:
        return False
    return True
