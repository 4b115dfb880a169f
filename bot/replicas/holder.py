"""Who holds the lease: one start of one process, and whether that process still runs."""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Holder:
    """Who holds a lease: ``<host>/<pid>/<process start>/<random>``, unique to one start of
    one process. The start time (clock ticks since boot, 0 where unknown) tells a process from
    a later one given the same id, as a restarted container's often is."""

    host: str
    pid: int
    started: int
    token: str

    @classmethod
    def this_process(cls) -> Holder:
        pid = os.getpid()
        return cls(socket.gethostname()[:120], pid, _start_ticks(pid), secrets.token_hex(6))

    @classmethod
    def parse(cls, text: str) -> Holder | None:
        try:
            host, pid, started, token = text.rsplit("/", 3)
            return cls(host, int(pid), int(started), token)
        except ValueError:
            return None

    def __str__(self) -> str:
        return f"{self.host}/{self.pid}/{self.started}/{self.token}"

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}"

    def is_here(self) -> bool:
        """A process of this machine (only SQLite relies on it: its database is one
        machine's file, so process ids cannot be confused with another machine's)."""
        return self.host == socket.gethostname()[:120]

    def is_dead(self) -> bool:
        """It no longer runs: no such process, a zombie waiting to be reaped, or another
        process under the same id. For ``is_here`` ones."""
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            pass
        state = _proc_stat(self.pid)
        if not state:  # no /proc here: the process exists, that is all we know
            return False
        return state[0] == "Z" or (self.started != 0 and int(state[19]) != self.started)


def _start_ticks(pid: int) -> int:
    state = _proc_stat(pid)
    return int(state[19]) if state else 0


def _proc_stat(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name: state first, start time 20th."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return []
