"""Writing files so that nothing is ever half-written, with the modes the user's umask asks for.

Every file govsim writes (run outputs, a sweep's results, the report) goes through
`write_atomic`: the data goes to a hidden temporary file in the target's folder, which is
then renamed over the target (`os.replace` is atomic on one file system), so a reader sees
the old file or the new one, never part of one. `tempfile.mkstemp` creates its file with
mode 0600; the rename would carry that private mode to results meant for sharing, so the
file gets 0666 minus the umask first, as `open()` would have given it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def current_umask() -> int:
    """The process's umask (reading it means setting it: set it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: str | Path, data: str | bytes | Callable[[Path], None], *, encoding: str = "utf-8") -> Path:
    """Write `data` to `path` via a temporary file in the same folder and a rename.

    `data` is text, bytes, or a function that writes a file at the path it is given
    (e.g. `lambda p: frame.to_parquet(p)`). The folder is created if needed; the file's mode
    is 0666 minus the umask. On any error the temporary file is removed and the target is
    left as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        if callable(data):
            os.close(fd)
            data(tmp)
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(data.encode(encoding) if isinstance(data, str) else data)
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
