"""`returnbot run --workers N`: N bot processes on one PostgreSQL, each started again if it dies.

The processes find each other through the database (`bot.channels.workers`); this only starts
them, restarts one that dies (a crash, a lost database connection), and passes SIGTERM/SIGINT on.
A process that dies within `EARLY` seconds of its start failed to start (a wrong setting): the
others are stopped and its exit code returned, rather than restarting it forever.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import FrameType

import click

EARLY = 10.0  # seconds
STOP_WAIT = 30.0  # seconds the processes get to finish before they are killed


@dataclass
class _Child:
    number: int
    process: subprocess.Popen[bytes]
    started: float


def supervise(count: int, command: Sequence[str]) -> int:
    """Runs `count` copies of `command` until SIGTERM/SIGINT; the exit code."""
    stopping: list[int] = []

    def stop(number: int, _frame: FrameType | None) -> None:
        stopping.append(number)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    children = [_start(number, command) for number in range(1, count + 1)]
    try:
        while not stopping:
            for place, child in enumerate(children):
                status = child.process.poll()
                if status is None:
                    continue
                if time.monotonic() - child.started < EARLY:
                    click.echo(
                        f"Processus {child.number} arrêté au démarrage ({status}).", err=True
                    )
                    return status or 1
                click.echo(f"Processus {child.number} arrêté ({status}) : relancé.", err=True)
                children[place] = _start(child.number, command)
            time.sleep(0.2)
    finally:
        for child in children:
            if child.process.poll() is None:
                child.process.send_signal(stopping[0] if stopping else signal.SIGTERM)
        deadline = time.monotonic() + STOP_WAIT
        for child in children:
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def _start(number: int, command: Sequence[str]) -> _Child:
    return _Child(number, subprocess.Popen(list(command)), time.monotonic())


def bot_command() -> list[str]:
    """One bot process, as `returnbot run` starts it."""
    return [sys.executable, "-m", "bot", "run"]
