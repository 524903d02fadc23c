"""The engine on a real database: one transaction per event, state and outbox written together."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation import ChoiceIn, ConversationEngine, Sender, TextIn
from bot.importers import run_import
from bot.photos import store_photo
from bot.storage.base import utcnow
from bot.storage.models import Conversation, Customer, OutboxMessage, Photo, ReturnCase
from tests.conversation_helpers import EngineChat, jpeg
from tests.helpers import example, load_example_shop

NOV_5 = date(2026, 11, 5)


async def test_each_event_writes_state_case_and_outbox_together(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    chat = EngineChat(sessions, NOV_5)

    outcome = await chat.say("bonjour ma commande 6A15602676300 est arrivée cassée")

    assert outcome.state == "ask_ownership"
    assert outcome.reference == "R-2026-000001"
    async with sessions() as session:
        conversation = (await session.execute(select(Conversation))).scalar_one()
        case = await session.get_one(ReturnCase, conversation.case_id)
        outbox = (
            (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id)))
            .scalars()
            .all()
        )
    assert conversation.state == "ask_ownership"
    assert conversation.context["tracking_number"] == "6A15602676300"
    assert (case.reason, case.status, case.order_line_id) == ("damaged", "open", None)
    assert [row.payload["template"] for row in outbox] == ["welcome", "ask_ownership"]
    assert outbox[0].payload["parse_mode"] == "HTML"
    assert all(row.case_id == case.id and row.sent_at is None for row in outbox)


async def test_the_outbox_payload_carries_the_choices_as_id_and_label(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    chat = EngineChat(sessions, NOV_5)

    outcome = await chat.say("/start")

    question = outcome.messages[-1]
    assert question["choices"][0] == ["reason:size_color", "Taille ou couleur"]
    assert question["choices"][-1] == ["withdraw", "Renoncer au contrat ici"]
    assert set(question) == {"template", "text", "parse_mode", "choices", "photo", "document"}


async def test_photos_are_kept_on_the_case_and_a_copy_from_another_customer_hands_over(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await load_example_shop(sessions)
    stored = store_photo(jpeg(), tmp_path / "photos")
    first = EngineChat(sessions, NOV_5, name="camille")
    await first.say("6A15602676300 cassé")
    await first.say("69003")
    await first.photo(stored.path, stored.sha256, stored.perceptual_hash)
    assert first.state == "ask_photos"

    other = EngineChat(sessions, NOV_5, name="yanis")
    await other.say("RR123456785ES pas le bon article")
    await other.say("31000")
    await other.photo(stored.path, stored.sha256, stored.perceptual_hash)

    assert other.state == "handover"
    async with sessions() as session:
        photos = (await session.execute(select(func.count()).select_from(Photo))).scalar_one()
        handed = (
            (await session.execute(select(ReturnCase).where(ReturnCase.status == "handover")))
            .scalars()
            .all()
        )
    assert photos == 2
    assert [case.facts["handover_reasons"] for case in handed] == [["duplicate_photo"]]


async def test_a_customer_can_have_several_cases_over_time(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    chat = EngineChat(sessions, NOV_5)
    await chat.say("trop petite EW112720413FR")
    await chat.say("31000")
    await chat.press("photos:skip")
    await chat.press("option:refund")
    await chat.press("withdrawal:confirm")
    assert chat.state == "done"

    await chat.say("/start")
    await chat.say("6A15602676300 cassée")
    outcome = await chat.say("69003")

    assert outcome.reference == "R-2026-000002"
    async with sessions() as session:
        cases = (await session.execute(select(ReturnCase).order_by(ReturnCase.id))).scalars().all()
    assert [(c.status, c.chosen_option) for c in cases] == [
        ("awaiting_refund", "refund"),
        ("open", None),
    ]


async def test_a_second_request_on_the_same_item_goes_to_an_agent(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    first = EngineChat(sessions, NOV_5, name="camille")
    await first.say("6A15602676300 cassée")
    await first.say("69003")

    second = EngineChat(sessions, NOV_5, name="camille-bis")
    await second.say("6A15602676300 cassée")
    outcome = await second.say("69003")

    assert outcome.state == "handover"
    assert "R-2026-000001" in outcome.messages[-1]["text"]


async def test_the_engine_can_run_inside_the_callers_transaction(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    engine = ConversationEngine(sessions)
    sender = Sender("telegram", "42", "42", "Léa")

    async with sessions() as session:
        async with session.begin():
            await engine.handle_in(session, sender, TextIn("/start"))
        async with session.begin():
            outcome = await engine.handle_in(session, sender, ChoiceIn("reason:defective"))

    assert outcome.state == "ask_tracking"


async def test_an_agent_hands_the_customer_back(sessions: async_sessionmaker[AsyncSession]) -> None:
    await load_example_shop(sessions)
    chat = EngineChat(sessions, NOV_5)
    await chat.say("6A15602676300 cassée")
    await chat.say("je veux parler à un conseiller")
    assert chat.state == "handover"

    outcome = await chat.engine().act("console", "camille", "hand_back")

    assert outcome.state == "ask_ownership"
    assert [m["template"] for m in outcome.messages] == ["agent_handed_back", "ask_ownership"]


async def test_a_customer_marked_as_blocking_the_bot_who_writes_is_reachable_again(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    chat = EngineChat(sessions, NOV_5)
    await chat.say("bonjour")
    async with sessions.begin() as session:
        customer = (await session.execute(select(Customer))).scalar_one()
        customer.blocked_at = utcnow()

    await chat.say("me revoilà")

    async with sessions() as session:
        customer = (await session.execute(select(Customer))).scalar_one()
    assert customer.blocked_at is None


async def test_a_message_in_a_running_conversation_reads_it_in_one_statement(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """The conversation, its case and the shop come in one query and are not read again."""
    await load_example_shop(sessions)
    engine = ConversationEngine(sessions)
    sender = Sender("telegram", "42", "42", "Marie")
    async with sessions.begin() as session:
        await engine.handle_in(session, sender, TextIn("/start"))
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(str(args[2]))

    bind = sessions.kw["bind"].sync_engine
    event.listen(bind, "before_cursor_execute", seen)
    try:
        async with sessions.begin() as session:
            await engine.handle_in(session, sender, ChoiceIn("reason:defective"))
    finally:
        event.remove(bind, "before_cursor_execute", seen)
    reads = [s for s in statements if s.startswith("SELECT")]
    assert "FROM conversations JOIN customers" in " ".join(reads[0].split())
    for table in ("conversations", "customers", "return_cases", "shop_settings"):
        assert not [s for s in reads[1:] if f"FROM {table}" in s], table


async def test_a_change_of_the_shops_settings_is_seen_by_the_very_next_message(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """The settings come with the conversation (`_KNOWN`) in each event's transaction: an import
    committed in between is what the next message reads, never a copy kept from before."""
    await load_example_shop(sessions)
    engine = ConversationEngine(sessions)
    sender = Sender("telegram", "42", "42", "Marie")
    async with sessions.begin() as session:
        await engine.handle_in(session, sender, TextIn("6A15602676300 cassée"))
    shop = example("suppliers.toml").replace(
        b'name = "Maison Lumi\xc3\xa8re"\n',
        b'name = "Maison Lumi\xc3\xa8re"\nopening_hours = "le samedi, de 10 h \xc3\xa0 12 h"\n',
        1,
    )
    report = await run_import(sessions, "suppliers", shop, strict=True)
    assert report.updated == 1

    async with sessions.begin() as session:
        outcome = await engine.handle_in(session, sender, TextIn("je veux parler à un conseiller"))

    assert outcome.state == "handover"
    assert "(le samedi, de 10 h à 12 h)" in outcome.messages[-1]["text"]


async def test_an_event_writes_its_conversation_and_its_case_once_each(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A new request: the case is inserted, then written once with its reference and what the
    message said (the request's facts and the lifecycle's together); the conversation too."""
    await load_example_shop(sessions)
    engine = ConversationEngine(sessions)
    sender = Sender("telegram", "42", "42", "Marie")
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(" ".join(str(args[2]).split()))

    bind = sessions.kw["bind"].sync_engine
    event.listen(bind, "before_cursor_execute", seen)
    try:
        async with sessions.begin() as session:
            outcome = await engine.handle_in(session, sender, TextIn("6A15602676300 cassée"))
    finally:
        event.remove(bind, "before_cursor_execute", seen)

    assert outcome.state == "ask_ownership"
    # (on PostgreSQL the conversation's UPDATE is in a WITH, before the transcript's INSERT)
    writes = [table for s in statements for table in re.findall(r"\bUPDATE (\w+) SET\b", s)]
    assert sorted(writes) == ["conversations", "return_cases"]
    async with sessions() as session:
        case = await session.get_one(ReturnCase, outcome.case_id)
    assert (case.reference, case.reason, case.shipment_id is not None) == (
        "R-2026-000001",
        "damaged",
        True,
    )
