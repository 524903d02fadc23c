"""What a benchmark reads of a bot process: its CPU time, its SQL statements, optionally a profile.

In the bot's process (`install()`, or `python bench/probe.py run …` in place of `python -m bot run …`):
- `BENCH_PROBE=path`: the number of SQL statements run so far (SQLAlchemy's `before_cursor_execute`,
  every engine of the process; asyncpg's own connection of `bot.channels.workers` is not counted),
  written to `path` every 0.1 s;
- `BENCH_PROFILE=path`: a pyinstrument profile of the whole run, as text, written at exit
  (pyinstrument is not a dependency: `.venv/bin/pip install pyinstrument` to use it).

From the benchmark: `cpu_seconds(pid)` (user + system, from /proc) and `statements(path)`.
"""

from __future__ import annotations

import atexit
import os
import runpy
import sys
import threading
import time
from pathlib import Path
from typing import Any

_TICKS = os.sysconf("SC_CLK_TCK")
_count = 0


def install() -> None:
    """Counts this process's statements and profiles it, as the environment asks."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    probe, profile = os.environ.get("BENCH_PROBE"), os.environ.get("BENCH_PROFILE")
    if probe:

        def counted(*_args: Any) -> None:
            global _count
            _count += 1

        event.listen(Engine, "before_cursor_execute", counted)
        threading.Thread(target=_report, args=(Path(probe),), daemon=True).start()
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(async_mode="disabled")
        profiler.start()

        def written() -> None:
            profiler.stop()
            Path(profile).write_text(profiler.output_text(unicode=True, show_all=False))

        atexit.register(written)


def _report(path: Path) -> None:
    while True:
        partial = path.with_suffix(".part")
        partial.write_text(str(_count))
        partial.replace(path)
        time.sleep(0.1)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def statements(path: Path) -> int:
    """The statements a probed process reported so far (0 before its first report)."""
    try:
        return int(path.read_text())
    except (OSError, ValueError):
        return 0


if __name__ == "__main__":  # python bench/probe.py run … : `python -m bot run …`, probed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    install()
    sys.argv = ["returnbot", *sys.argv[1:]]
    runpy.run_module("bot", run_name="__main__", alter_sys=True)
