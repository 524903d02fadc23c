"""Pacing: Telegram's limits are never exceeded (lower bounds on elapsed time only)."""

from __future__ import annotations

import asyncio
import time

from bot.channels.pacing import Limits, Pacer


async def _send_times(pacer: Pacer, chats: list[str]) -> list[float]:
    times: list[float] = []
    for chat in chats:
        await pacer.wait_turn(chat)
        times.append(time.monotonic())
    return times


async def test_a_private_chat_gets_a_short_burst_then_its_steady_rate() -> None:
    pacer = Pacer(Limits(private_per_second=20, private_burst=3, overall_per_second=1000))
    times = await _send_times(pacer, ["7"] * 7)
    # 3 at once, then 4 more at 20 per second: at least 4/20 s.
    assert times[-1] - times[0] >= 4 / 20 * 0.95


async def test_a_group_gets_its_count_per_minute_window() -> None:
    pacer = Pacer(Limits(group_per_minute=3, overall_per_second=1000))
    chats = ["-100"] * 3
    times = await _send_times(pacer, chats)
    assert times[-1] - times[0] < 1
    waiting = asyncio.create_task(pacer.wait_turn("-100"))
    await asyncio.sleep(0.3)
    assert not waiting.done(), "a 4th message in the same minute must wait"
    waiting.cancel()


async def test_the_overall_limit_holds_across_chats() -> None:
    pacer = Pacer(Limits(overall_per_second=10, private_burst=5))
    start = time.monotonic()
    await asyncio.gather(*(pacer.wait_turn(str(chat)) for chat in range(25)))
    # 10 in the first second, 10 in the next, 5 in the third: at least 2 s.
    assert time.monotonic() - start >= 2 * 0.95
