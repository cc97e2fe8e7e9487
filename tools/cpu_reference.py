"""How fast this machine runs Python right now: a fixed 1M-step loop, timed five times.

Shared machines vary in speed from day to day (we have seen 2x to 4x on the same kind), so
a bench figure or a suite time from one day compares with another only beside this line.
The benches print it, and so does the test suite, at its start and its end. Standard
library only: `tools/bench_server.py` runs it outside Django.
"""

from __future__ import annotations

import statistics
import time

LABEL = "CPU reference (1M-step Python loop)"


def cpu_reference() -> str:
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        total = 0
        for i in range(1_000_000):
            total += i
        timings.append((time.perf_counter() - started) * 1000)
    return f"{LABEL}: median {statistics.median(timings):.0f} ms, best {min(timings):.0f} ms"
