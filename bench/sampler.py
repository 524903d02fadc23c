"""A sampling profiler for the bench scripts: where the main thread's CPU goes, undistorted.

cProfile's cost per call inflates Python-call-heavy code several times over; sampling does not.
Every `--interval` ms of the process's CPU time (`ITIMER_PROF`), the main thread's stack is
recorded (the bot's event loop runs there in `bench/hot_path.py`). Samples taken while the loop
waits in its selector are counted apart (another thread was using the CPU), and so are those
outside the event loop (start-up, imports). Printed: the share of the loop's busy samples in each
function, inclusive (anywhere in the stack) and self (the innermost frame).

    .venv/bin/python bench/sampler.py [--interval 1] [--top 40] -- bench/hot_path.py --customers 200
"""

from __future__ import annotations

import argparse
import runpy
import signal
import sys
from collections import Counter
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parents[1]
_IDLE = ("selectors.py", "select")

_inclusive: Counter[str] = Counter()
_self: Counter[str] = Counter()
_samples = [0, 0, 0]  # taken, idle, outside the loop
_LOOP = "_run_once"
_GREENLET = "sqlalchemy/util/concurrency.py"


def _where(frame: FrameType) -> str:
    path = frame.f_code.co_filename
    short = path.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
    return f"{short}:{frame.f_code.co_firstlineno} {frame.f_code.co_name}"


def _sample(_signum: int, frame: FrameType | None) -> None:
    if frame is None:
        return
    _samples[0] += 1
    if frame.f_code.co_filename.endswith(_IDLE[0]) or frame.f_code.co_name == _IDLE[1]:
        _samples[1] += 1
        return
    stack: list[str] = []
    while frame is not None:
        stack.append(_where(frame))
        frame = frame.f_back
    # SQLAlchemy's async layer runs the ORM in greenlets: their stacks end there, not in the loop.
    if not any(name.endswith(_LOOP) or _GREENLET in name for name in stack):
        _samples[2] += 1
        return
    _self[stack[0]] += 1
    for name in set(stack):
        _inclusive[name] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=float, default=1.0, help="ms of CPU between samples")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("script", help="the bench script to run, then its arguments")
    parser.add_argument("arguments", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    signal.signal(signal.SIGPROF, _sample)
    seconds = args.interval / 1000
    signal.setitimer(signal.ITIMER_PROF, seconds, seconds)
    sys.argv = [args.script, *args.arguments]
    try:
        runpy.run_path(args.script, run_name="__main__")
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
    taken, idle, outside = _samples
    busy = taken - idle - outside
    print(
        f"\n{taken} samples: {idle} with the loop waiting, {outside} outside it, {busy} busy in it:"
    )
    for title, counts in (("inclusive", _inclusive), ("self", _self)):
        print(f"-- {title}")
        for name, count in counts.most_common(args.top):
            print(f"  {100 * count / max(busy, 1):5.1f}%  {name}")


if __name__ == "__main__":
    main()
