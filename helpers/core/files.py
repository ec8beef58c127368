"""Reading files the course wrote itself, defensively: only regular files of a plausible size.

A cache or memo file can be replaced by anything: a FIFO (reading it hangs), a symlink to
``/dev/zero`` (reading it never ends), a file that claims to be huge. These helpers look
before they read, so such an entry reads as "absent or damaged", never as a hang or a
MemoryError. Used by the embedding cache (lesson 01 on) and the model-copy checks.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

__all__ = ["read_json", "regular_size"]


def regular_size(path: Path) -> int | None:
    """The size of ``path`` if it is a regular file (symlinks followed), else None (missing, FIFO, device...)."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def read_json(path: Path, max_bytes: int = 1 << 20) -> Any:
    """The JSON in ``path`` if it is a regular file of at most ``max_bytes``, else None.

    Raises ValueError when the file is there but is not JSON (the caller calls it damaged).
    """
    size = regular_size(path)
    if size is None:
        return None
    if size > max_bytes:
        raise ValueError(f"{path} has {size} bytes, more than the {max_bytes} such a file can have")
    with open(path, "rb") as f:
        data = f.read(max_bytes + 1)
    return json.loads(data)
