"""Giving freed memory back to the system, after work that needed much of it once.

Python returns the memory of freed objects to the C allocator, which keeps it for later
rather than giving it back. After start-up (the migration check, the first sweep, the menus)
that is memory an idle bot never uses again; glibc's ``malloc_trim`` hands it back. Elsewhere
(another C library) this does nothing.
"""

from __future__ import annotations

import ctypes
import gc


def release_freed_memory() -> None:
    gc.collect()
    try:  # the process's own symbols: the C library it runs on (no search for its file)
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return
    trim(0)
