"""Named points where a test has the whole process killed (SIGKILL, as a power cut would), to
prove what survives a crash (``tests/test_e2e_intake_crash.py``). Inert unless the environment
variable ``MUSTER_TEST_CRASH_AT`` names the point; operators never set it."""

from __future__ import annotations

import os
import signal

CRASH_AT = "MUSTER_TEST_CRASH_AT"
_AT = os.environ.get(CRASH_AT, "")


def crash_point(name: str) -> None:
    if _AT and name == _AT:
        os.kill(os.getpid(), signal.SIGKILL)
