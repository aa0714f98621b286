"""Writing a file whole or not at all: the one atomic writer (the batch's records, tables and landmarks, camera
profiles)."""

from __future__ import annotations

import os
import re
import uuid
from contextlib import suppress
from pathlib import Path

HALF_WRITTEN = re.compile(r"\..+\.\d+\.[0-9a-f]{12}")     # the temporary name `write_atomic` writes under


def write_atomic(path: Path, content: str | bytes, mode: int = 0o666) -> None:
    """Write a file whole or not at all: into a temporary file beside it, flushed to the disk, renamed over it when
    complete. Its permissions: `mode` less the umask, as for any file written directly."""
    tmp = path.parent / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}"      # HALF_WRITTEN
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content.encode() if isinstance(content, str) else content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


def remove_half_written(folder: Path) -> None:
    """Temporary files of `write_atomic` left in a folder by a killed process (call it only while nothing else
    writes there)."""
    for tmp in folder.glob(".*"):
        if HALF_WRITTEN.fullmatch(tmp.name):
            with suppress(OSError):
                tmp.unlink()
