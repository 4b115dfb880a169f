"""Run a module with a profiler that a signal switches on and off, so that only the span being
measured is profiled (not the start, not the call-out's delivery):

    python -m bench.profiled OUTPUT -m bot run --config ...

SIGUSR1 starts ``cProfile`` on the main thread (the event loop), timing with that thread's
CPU clock, so time spent waiting (``epoll``, the GIL) does not count; SIGUSR2 stops it and
writes OUTPUT (``pstats`` format).
"""

from __future__ import annotations

import cProfile
import runpy
import signal
import sys
import time
from types import FrameType


def main() -> None:
    output, flag, module, *args = sys.argv[1:]
    if flag != "-m":
        raise SystemExit(__doc__)
    profiler = cProfile.Profile(time.thread_time)

    def start(_signal: int, _frame: FrameType | None) -> None:
        profiler.enable()

    def stop(_signal: int, _frame: FrameType | None) -> None:
        profiler.disable()
        profiler.dump_stats(output)

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
