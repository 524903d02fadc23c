"""Fuzzing: hypothesis-made updates (fields missing, wrong types, unknown kinds) through the real bot.

The updates go to the real `returnbot run` through the loopback Bot API; whatever they are, the
process stays up, records each one (handled or set aside), and goes on answering other customers.
Bounded: a fixed number of examples, derandomised so that the suite does not flake.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.storage.database import open_database
from bot.storage.models import InboxUpdate
from tests.bot.telegram.fake_bot_api import FakeBotApi
from tests.bot.telegram.running import BotProcess

EXAMPLES = 150
CUSTOMERS = (8801, 8802)
_DROP = object()
KINDS = (
    "message",
    "edited_message",
    "channel_post",
    "callback_query",
    "my_chat_member",
    "poll",
    "business_message",
    "kind_telegram_invents_tomorrow",
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)


def _mutated(template: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """`template` with each field kept, dropped or replaced, and a stray field now and then."""
    fields = {
        key: st.one_of(st.just(value), st.just(_DROP), json_values)
        for key, value in template.items()
    }
    return st.builds(
        lambda kept, extra: {k: v for k, v in {**kept, **extra}.items() if v is not _DROP},
        st.fixed_dictionaries(fields),
        st.dictionaries(st.sampled_from(["photo", "document", "sticker", "x"]), json_values, max_size=1),
    )  # fmt: skip


chats = st.one_of(st.sampled_from([9001, 9002, -1009001]), json_values)
users = st.fixed_dictionaries({"id": chats, "is_bot": st.booleans(), "first_name": st.text(max_size=8)})  # fmt: skip
messages = st.builds(
    dict,
    message_id=st.integers(1, 1000),
    date=st.just(0),
    chat=st.one_of(
        st.fixed_dictionaries({"id": chats, "type": st.sampled_from(["private", "group", "??"])}),
        json_values,
    ),
    text=st.text(max_size=20),
).flatmap(lambda message: _mutated({**message, "from": {"id": 9001, "is_bot": False, "first_name": "A"}}))  # fmt: skip
queries = _mutated({"id": "q1", "from": {"id": 9001, "is_bot": False, "first_name": "A"},
                    "chat_instance": "c", "data": "c:1:0", "message": None})  # fmt: skip
# A usable id would take the place of a real update's (Telegram never sends one twice).
bad_ids = json_values.filter(lambda v: not (isinstance(v, int) and 0 <= v < 2**63))
bodies = st.one_of(messages, queries, users, json_values)
updates = st.builds(
    lambda kind, body, update_id: {kind: body, **update_id},
    st.sampled_from(KINDS),
    bodies,
    st.one_of(st.just({}), st.just({}), st.fixed_dictionaries({"update_id": bad_ids})),
)


def test_fuzzed_updates_never_stop_the_bot_from_answering_others(
    api: FakeBotApi, bot_process: BotProcess, database_url: str
) -> None:
    bot_process.start()
    asyncio.run(bot_process.started())
    pushed: list[int] = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True)
    @given(update=updates)
    def push(update: dict[str, Any]) -> None:
        pushed.append(api.push_update(update))

    api.send_command(CUSTOMERS[0], "/aide")
    push()
    api.send_command(CUSTOMERS[1], "/aide")
    api.wait_until(lambda: all(api.sent(chat) for chat in CUSTOMERS), timeout=60)
    api.wait_until(lambda: api.confirmed_offset > pushed[-1], timeout=60)
    assert bot_process.process is not None and bot_process.process.poll() is None
    api.wait_until(lambda: asyncio.run(_all_handled(database_url)), timeout=60)
    assert asyncio.run(bot_process.stop()) == 0


async def _all_handled(database_url: str) -> bool:
    """Every update recorded was handled or set aside (none left stuck in a lane)."""
    async with open_database(database_url) as sessions, sessions() as session:
        waiting = await session.scalar(select(func.count()).where(InboxUpdate.handled_at.is_(None)))
    return waiting == 0
