"""Output files for copies of the data: never overwrite one, never leave a half-written one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


class TransferError(Exception):
    """A copy of the data cannot be made or read back; the message is one line for the
    operator."""


def refuse_existing(output: Path) -> None:
    if output.exists():
        raise TransferError(f"{output} exists; give a new file name (a copy never overwrites one)")


@contextlib.contextmanager
def written_atomically(output: Path) -> Iterator[Path]:
    """A temporary path beside ``output``; renamed to ``output`` if the block succeeds,
    removed if it fails."""
    if not output.parent.is_dir():
        raise TransferError(f"no such directory: {output.parent}")
    handle, name = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
