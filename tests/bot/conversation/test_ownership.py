"""The ownership check against guessing: one guess a message, misses counted per parcel and per
customer across conversations, a lockout that hands the parcel to a person (issue 15, point 1)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.world import MISSES_PER_CUSTOMER, MISSES_PER_PARCEL
from bot.storage.models import OwnershipMiss, ReturnCase
from tests.conversation_helpers import EngineChat
from tests.helpers import load_example_shop

NOV_5 = date(2026, 11, 5)
LAMP = "6A15602676300"  # postcode 69003


async def _misses(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return await session.scalar(select(func.count()).select_from(OwnershipMiss)) or 0


async def test_a_message_with_several_postcodes_is_one_guess_the_first(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    chat = EngineChat(sessions, NOV_5)
    await chat.say(f"ma lampe {LAMP} est cassée")

    await chat.say("75001 69003 13001 33000")

    assert chat.state == "ask_ownership"
    assert await _misses(sessions) == 1
    await chat.say("69003")
    assert chat.state == "ask_photos"


async def test_a_blind_sweep_is_locked_out_whatever_the_restarts_and_the_order_stays_hidden(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    chat = EngineChat(sessions, NOV_5)
    guesses = iter(f"{code:05d}" for code in range(10000, 20000))
    for _ in range(MISSES_PER_PARCEL - 1):
        await chat.say(f"ma lampe {LAMP} est cassée")
        await chat.say(next(guesses))
        await chat.say("/annuler")  # a new conversation does not start the count again

    await chat.say(f"ma lampe {LAMP} est cassée")
    await chat.say(next(guesses))

    assert chat.state == "handover"
    handover = chat.texts()[-1]
    assert "un conseiller va vérifier votre demande avec vous" in handover
    await chat.say("/start")
    await chat.say(f"ma lampe {LAMP} est cassée")
    await chat.say("69003")  # even the right postcode: a person checks now
    assert chat.state == "handover"
    assert not any("Opaline" in text for text in chat.texts())
    async with sessions() as session:
        cases = list(await session.scalars(select(ReturnCase).order_by(ReturnCase.id)))
    assert "ownership_locked" in (cases[-1].facts.get("handover_reasons") or [])
    assert cases[-1].facts.get("order") is None


async def test_another_customer_on_the_same_parcel_is_locked_out_too_and_the_lock_ends(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    first = EngineChat(sessions, NOV_5, name="mallory")
    for attempt in range(MISSES_PER_PARCEL):
        await first.say(f"ma lampe {LAMP} est cassée")
        await first.say(f"7500{attempt}")
        await first.say("/annuler")

    other = EngineChat(sessions, NOV_5, name="camille")
    await other.say(f"ma lampe {LAMP} est cassée")
    assert other.state == "handover"

    tomorrow = EngineChat(sessions, NOV_5 + timedelta(days=2), name="lea")
    await tomorrow.say(f"ma lampe {LAMP} est cassée")
    await tomorrow.say("69003")
    assert tomorrow.state == "ask_photos"


async def test_one_customer_guessing_across_parcels_is_locked_out(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    chat = EngineChat(sessions, NOV_5, name="mallory")
    parcels = ["6A15602676300", "LX123456785CN", "RR123456785ES", "EW112720413FR", "3318810025"]
    for attempt in range(MISSES_PER_CUSTOMER):
        await chat.say(f"c'est cassé {parcels[attempt % len(parcels)]}")
        await chat.say(f"{attempt + 10000}")
        await chat.say("/annuler")

    await chat.say("c'est cassé 1Z5R89390357567127")

    assert chat.state == "handover"
