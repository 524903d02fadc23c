"""Telegram's sending limits: ~1 message/s per private chat (short bursts), 20/min per group, 30/s overall."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """How fast the bot may send; the defaults are Telegram's published limits."""

    overall_per_second: int = 30
    private_per_second: float = 1.0
    private_burst: int = 3
    group_per_minute: int = 20


class _Window:
    """At most `count` events in any `seconds`-long window."""

    def __init__(self, count: int, seconds: float) -> None:
        self._count = count
        self._seconds = seconds
        self._times: deque[float] = deque()

    def wait_time(self, now: float) -> float:
        while self._times and now - self._times[0] >= self._seconds:
            self._times.popleft()
        if len(self._times) < self._count:
            return 0.0
        return self._times[0] + self._seconds - now

    def take(self, now: float) -> None:
        self._times.append(now)


class _Bucket:
    """A token bucket: `rate` per second, holding up to `burst` tokens."""

    def __init__(self, rate: float, burst: int) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._tokens = float(burst)
        self._at = time.monotonic()

    def wait_time(self, now: float) -> float:
        self._tokens = min(self._burst, self._tokens + (now - self._at) * self._rate)
        self._at = now
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self._rate

    def take(self, now: float) -> None:
        self._tokens -= 1

    def full(self, now: float) -> bool:
        return self.wait_time(now) == 0.0 and self._tokens >= self._burst


class Pacer:
    """Waits until the next message to a chat may go; one caller per chat at a time."""

    def __init__(self, limits: Limits) -> None:
        self._limits = limits
        self._overall = _Window(limits.overall_per_second, 1.0)
        self._overall_turn = asyncio.Lock()
        self._chats: dict[str, _Bucket | _Window] = {}

    async def wait_turn(self, chat_id: str) -> None:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = self._for_chat(chat_id)
        await _until_free(chat)
        async with self._overall_turn:  # FIFO: no lane starves under the overall limit
            await _until_free(self._overall)
            now = time.monotonic()
            self._overall.take(now)
            chat.take(now)
        self._forget_idle_chats()

    def _for_chat(self, chat_id: str) -> _Bucket | _Window:
        if chat_id.startswith("-"):
            return _Window(self._limits.group_per_minute, 60.0)
        return _Bucket(self._limits.private_per_second, self._limits.private_burst)

    def _forget_idle_chats(self) -> None:
        if len(self._chats) < 10_000:
            return
        now = time.monotonic()
        for chat_id, chat in list(self._chats.items()):
            if isinstance(chat, _Bucket) and chat.full(now):
                del self._chats[chat_id]


async def _until_free(limit: _Bucket | _Window) -> None:
    while True:
        delay = limit.wait_time(time.monotonic())
        if delay <= 0:
            return
        await asyncio.sleep(delay)
