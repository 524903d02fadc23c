"""Lanes: one chat's items in order, chats side by side, nothing queued twice from a stale query."""

from __future__ import annotations

import asyncio

from bot.channels.lanes import Lanes, Verdict
from tests.bot.telegram.fake_bot_api import eventually


async def test_an_item_finished_while_a_query_ran_is_not_queued_again() -> None:
    done: list[str] = []

    async def work(item: str) -> Verdict:
        done.append(item)
        return Verdict.DONE

    lanes: Lanes[str] = Lanes(work, "test")
    first = lanes.snapshot()
    lanes.offer("1", 10, "a")
    lanes.forget(first)
    await eventually(lambda: done == ["a"])
    stale = lanes.snapshot()  # a query begun now may still report item 10 as pending
    lanes.offer("1", 10, "a")
    lanes.offer("1", 11, "b")
    lanes.forget(stale)
    await eventually(lambda: done == ["a", "b"])
    await asyncio.sleep(0.05)
    assert done == ["a", "b"]


async def test_an_item_offered_late_by_its_writer_after_later_queries_is_not_run_again() -> None:
    done: list[str] = []

    async def work(item: str) -> Verdict:
        done.append(item)
        return Verdict.DONE

    lanes: Lanes[str] = Lanes(work, "test")
    lanes.offer("1", 10, "a")  # found by a query before its writer handed it on
    await eventually(lambda: done == ["a"])
    lanes.forget(lanes.snapshot())  # later queries, begun after it finished
    lanes.forget(lanes.snapshot())
    lanes.offer("1", 10, "a")  # the writer's late hand-over
    await asyncio.sleep(0.05)
    assert done == ["a"]


async def test_a_failing_item_is_tried_again_and_the_chat_keeps_its_order() -> None:
    done: list[str] = []
    failures = {"a": 1}

    async def work(item: str) -> Verdict:
        if failures.get(item):
            failures[item] -= 1
            return Verdict.AGAIN
        done.append(item)
        return Verdict.DONE

    lanes: Lanes[str] = Lanes(work, "test")
    for key, item in enumerate("abc"):
        lanes.offer("1", key, item)
    await eventually(lambda: done == ["a", "b", "c"])
    await lanes.drain(1)


async def test_an_earlier_item_found_late_goes_before_the_later_one_that_waits_for_it() -> None:
    """An update read below a query's window, after its chat's next one: the next one waits for
    it (its claim answers LATER), so it must not stay queued behind it."""
    done: list[str] = []

    async def work(item: str) -> Verdict:
        if item == "second" and "first" not in done:
            await asyncio.sleep(0.01)
            return Verdict.AGAIN
        done.append(item)
        return Verdict.DONE

    lanes: Lanes[str] = Lanes(work, "test")
    lanes.offer("1", 310, "second")
    await asyncio.sleep(0.05)  # tried, and waiting
    lanes.offer("1", 10, "first")
    await eventually(lambda: done == ["first", "second"], within=5)
