"""Work queued per chat: one task per chat works through its queue in order; chats run side by side.

Rows come from database queries that may be slightly stale: a row finished while the query ran can
still be reported as pending. `Lanes` remembers what it finished until a query begun afterwards
has come back (`snapshot()` before the query, `forget(snapshot)` after it), so nothing is queued twice.
"""

from __future__ import annotations

import asyncio
import enum
import itertools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from typing import Generic, TypeVar

T = TypeVar("T")
KEEP_FINISHED = 120.0  # seconds
log = logging.getLogger(__name__)


class Verdict(enum.Enum):
    DONE = "done"  # finished: next item
    AGAIN = "again"  # try the same item again
    DROP_CHAT = "drop_chat"  # give up on this chat's queued items
    RELEASE = "release"  # leave this chat's queued items, unfinished (another process has them)


class Lanes(Generic[T]):
    """Per-chat queues of items identified by an integer key."""

    def __init__(self, work: Callable[[T], Awaitable[Verdict]], name: str) -> None:
        self._work = work
        self._name = name
        self._queues: dict[str, deque[tuple[int, T]]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._queued: set[int] = set()
        self._finished: dict[int, tuple[int, float]] = {}  # key -> when finished (counter, clock)
        self._clock = itertools.count()
        self._stopping = False

    def snapshot(self) -> int:
        """Call before querying for pending rows; pass the result to `offer`."""
        return next(self._clock)

    def offer(self, chat: str, key: int, item: T) -> None:
        """Queues `item` in key order unless it is queued already or was finished lately.

        An item that comes after a later one of its chat goes before it, even while the later one
        is being worked on: that one may be waiting for it (`Verdict.AGAIN`)."""
        if self._stopping or key in self._queued or key in self._finished:
            return
        self._queued.add(key)
        queue = self._queues.setdefault(chat, deque())
        if queue and key < queue[-1][0]:  # found late (below a query's window): in its place
            queue.insert(next(i for i, (k, _) in enumerate(queue) if k > key), (key, item))
        else:
            queue.append((key, item))
        if chat not in self._tasks:
            self._tasks[chat] = asyncio.create_task(self._lane(chat), name=f"{self._name}-{chat}")

    def forget(self, since: int) -> None:
        """Forgets items finished before `since`: a query begun after that cannot report them.

        Items are also offered straight from their writer, which may come late: what finished in the
        last `KEEP_FINISHED` seconds is kept whatever the query.
        """
        recent = time.monotonic() - KEEP_FINISHED
        self._finished = {
            key: (at, when)
            for key, (at, when) in self._finished.items()
            if at >= since or when >= recent
        }

    @property
    def queued(self) -> int:
        """How many items wait in the lanes, those being worked on included."""
        return len(self._queued)

    def knows(self, key: int) -> bool:
        return key in self._queued or key in self._finished

    async def drain(self, grace: float) -> None:
        """Stops the lanes after their current item, waiting at most `grace` seconds."""
        self._stopping = True
        tasks = list(self._tasks.values())
        if not tasks:
            return
        _done, pending = await asyncio.wait(tasks, timeout=grace)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def _lane(self, chat: str) -> None:
        queue = self._queues[chat]
        try:
            while queue and not self._stopping:
                key, item = queue[0]
                try:
                    verdict = await self._work(item)
                except Exception:
                    log.exception("%s lane %s failed; trying again", self._name, chat)
                    await asyncio.sleep(1.0)
                    continue
                if verdict is Verdict.DONE:
                    queue.remove((key, item))  # an earlier item may have come in before it
                    self._queued.discard(key)
                    self._finished[key] = (next(self._clock), time.monotonic())
                elif verdict is Verdict.DROP_CHAT:
                    for dropped, _item in queue:
                        self._queued.discard(dropped)
                        self._finished[dropped] = (next(self._clock), time.monotonic())
                    queue.clear()
                elif verdict is Verdict.RELEASE:
                    for released, _item in queue:
                        self._queued.discard(released)
                    queue.clear()
        finally:
            del self._tasks[chat]
            if not queue:
                del self._queues[chat]


class IdWindow:
    """Which rows a pending-rows query needs to look at.

    New rows by id range, which stays cheap however long the history; ids may commit slightly out of
    order (PostgreSQL sequences), hence a look-back; and now and then the whole table.
    """

    def __init__(self, full_every: float = 60.0, look_back: int = 200) -> None:
        self._full_every = full_every
        self._look_back = look_back
        self._highest = 0
        self._last_full: float | None = None

    def lowest(self) -> int | None:
        """The id to look above, or None for a full scan; call `scanned` with what came back."""
        now = time.monotonic()
        if self._last_full is None or now - self._last_full > self._full_every:
            self._last_full = now
            return None
        return self._highest - self._look_back

    def scanned(self, ids: Iterable[int]) -> None:
        self._highest = max(self._highest, *ids, 0)
