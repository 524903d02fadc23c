"""The withdrawal function through the real engine on a database: the record kept for good, the
acknowledgement e-mailed through the outbox, the agent who held the request told."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.agents.card import case_card
from bot.agents.handoff import AGENTS_CHANNEL
from bot.cases.effects import Effects
from bot.cases.lifecycle import Lifecycle
from bot.cases.withdrawals import ACKNOWLEDGEMENT, keep
from bot.channels.writes import WriteGate
from bot.config import SmtpSettings
from bot.conversation import ChoiceIn, ConversationEngine, Sender, TextIn
from bot.mail.delivery import email_sender
from bot.storage.models import OrderLine, OutboxMessage, ReturnCase, WithdrawalRecord
from flows.events import WithdrawalRecorded
from tests.bot.mail.smtp_server import Mailbox, free_port, smtp_server
from tests.bot.telegram.fake_bot_api import eventually
from tests.helpers import load_example_shop

PARIS = ZoneInfo("Europe/Paris")
GROUP = "-1001234567890"
SENDER = "Boutique Démo <retours@boutique-demo.fr>"
CAMILLE = Sender("telegram", "4242", "4242", "Camille")
LAMP = "6A15602676300"  # order #1001, Camille Martin, delivered 2026-10-07: last day 22 October


def _paris(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS).astimezone(UTC)


class Shop:
    """The example shop on a database, with its agents' group, its e-mail, and a clock to set."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, mail: bool = True) -> None:
        self.sessions = sessions
        self.now = _paris(date(2026, 10, 20), 10, 0)
        effects = Effects(agent_chat=GROUP, mail_from=SENDER if mail else None)
        self.engine = ConversationEngine(
            sessions, clock=lambda: self.now, lifecycle=Lifecycle(effects)
        )

    async def say(self, words: str) -> None:
        await self.engine.handle(CAMILLE, TextIn(words))

    async def press(self, choice: str) -> None:
        await self.engine.handle(CAMILLE, ChoiceIn(choice))

    async def rows(self, channel: str) -> list[OutboxMessage]:
        async with self.sessions() as session:
            query = select(OutboxMessage).where(OutboxMessage.channel == channel)
            return list((await session.scalars(query.order_by(OutboxMessage.id))).all())

    async def records(self) -> list[WithdrawalRecord]:
        async with self.sessions() as session:
            query = select(WithdrawalRecord).order_by(WithdrawalRecord.id)
            return list((await session.scalars(query)).all())


async def _shop(sessions: async_sessionmaker[AsyncSession], *, mail: bool = True) -> Shop:
    await load_example_shop(sessions)
    return Shop(sessions, mail=mail)


async def _declare(shop: Shop) -> None:
    await shop.say("/retractation")
    await shop.say(LAMP)
    await shop.say("69003")


async def test_a_189_euro_withdrawal_while_an_agent_holds_it_is_served_and_the_agent_told(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    shop = await _shop(sessions)
    async with sessions.begin() as session:
        await session.execute(
            update(OrderLine).where(OrderLine.sku == "LUM-LAMP-01").values(price=Decimal("189"))
        )
    await shop.say(f"je n'en veux plus {LAMP}")
    await shop.say("69003")
    await shop.press("photos:skip")
    assert [r.payload["template"] for r in await shop.rows("telegram")][-1] == "handover"

    await shop.say("/retractation")
    declaration = (await shop.rows("telegram"))[-1].payload
    await shop.press("withdrawal:confirm")

    assert declaration["template"] == "confirm_withdrawal"
    assert "Camille Martin" in declaration["text"] and "#1001" in declaration["text"]
    assert "camille.martin@example.fr" in declaration["text"]
    said = [r.payload["template"] for r in await shop.rows("telegram")]
    assert said[-2:][0] == "withdrawal_acknowledged"
    notes = [str(r.payload.get("text")) for r in await shop.rows(AGENTS_CHANNEL)]
    assert any("a demandé à se rétracter : le bot lui répond" in note for note in notes)
    assert any("Le client s'est rétracté" in note for note in notes)
    [record] = await shop.records()
    assert (record.outcome, record.name, record.order_name) == ("sent", "Camille Martin", "#1001")
    assert record.item == "Lampe de chevet Opaline"
    assert record.email == "camille.martin@example.fr"
    assert "Accusé de réception de votre rétractation" in record.text


async def test_begun_at_23_50_on_the_last_day_and_confirmed_at_00_10_it_is_accepted(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    shop = await _shop(sessions)
    last_day, next_day = date(2026, 10, 22), date(2026, 10, 23)
    shop.now = _paris(last_day, 23, 50)
    await shop.say("/retractation")
    shop.now = _paris(next_day, 0, 5)
    await shop.say(LAMP)
    await shop.say("69003")
    shop.now = _paris(next_day, 0, 10)

    await shop.press("withdrawal:confirm")

    [record] = await shop.records()
    assert record.outcome == "sent"
    assert record.started_at == _paris(last_day, 23, 50)
    assert record.sent_at == _paris(next_day, 0, 10)
    assert "vendredi 23 octobre 2026 à 00:10 (heure de Paris)" in record.text
    async with sessions() as session:
        case = (await session.scalars(select(ReturnCase))).one()
    assert case.chosen_option == "refund"


async def test_the_acknowledgement_goes_by_email_to_the_address_the_customer_gave(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    shop = await _shop(sessions)
    await _declare(shop)
    await shop.say("envoyez-le plutôt à c.martin@exemple.org")

    await shop.press("withdrawal:confirm")

    [email] = await shop.rows("email")
    assert email.payload["kind"] == ACKNOWLEDGEMENT
    assert email.payload["to"] == "c.martin@exemple.org"
    assert email.payload["subject"] == "Accusé de réception de votre rétractation"
    body = email.payload["text"]
    for said in ("Camille Martin", "#1001", "Lampe de chevet Opaline", "renoncez", "à 10:00"):
        assert said in body
    assert "<b>" not in body
    [record] = await shop.records()
    assert record.email == "c.martin@exemple.org"


async def test_the_acknowledgement_reaches_a_real_smtp_server_once(
    sessions: async_sessionmaker[AsyncSession], database_url: str, tmp_path: Path
) -> None:
    shop = await _shop(sessions)
    await _declare(shop)
    await shop.press("withdrawal:confirm")
    mailbox, port = Mailbox(), free_port()
    server = smtp_server(mailbox, port)
    server.start()
    smtp = SmtpSettings(host="127.0.0.1", port=port, sender=SENDER, security="none")
    sender = email_sender(smtp, sessions, WriteGate(database_url), data_dir=tmp_path)
    task = asyncio.create_task(sender.run())
    try:
        await eventually(lambda: len(mailbox.received) == 1)
        await sender.drain(grace=2)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        server.stop()

    [received] = mailbox.received
    assert received.rcpt_tos == ["camille.martin@example.fr"]
    message = received.message
    assert message["Subject"] == "Accusé de réception de votre rétractation"
    body = message.get_body(("plain",))
    assert body is not None
    content = body.get_content()
    assert "• Nom : Camille Martin" in content and "Lampe de chevet Opaline" in content
    assert "mardi 20 octobre 2026 à 10:00 (heure de Paris)" in content


async def test_without_email_set_up_only_the_chat_gets_the_acknowledgement(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    shop = await _shop(sessions, mail=False)
    await _declare(shop)

    await shop.press("withdrawal:confirm")

    assert await shop.rows("email") == []
    assert len(await shop.records()) == 1


async def test_going_back_and_a_late_declaration_are_recorded_as_declined(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    shop = await _shop(sessions)
    await _declare(shop)
    await shop.press("withdrawal:back")
    shop.now = _paris(date(2026, 10, 23), 9, 0)
    await _declare(shop)  # after the last day

    records = await shop.records()
    assert [r.outcome for r in records] == ["went_back", "late"]
    assert all(r.name == "Camille Martin" and r.order_name == "#1001" for r in records)
    assert await shop.rows("email") == []


async def test_a_record_is_never_changed_by_a_second_write(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    shop = await _shop(sessions)
    await _declare(shop)
    await shop.press("withdrawal:confirm")
    [kept] = await shop.records()
    again = WithdrawalRecorded(
        outcome="went_back",
        started_at=kept.started_at,
        at=kept.sent_at,
        name="Quelqu'un d'autre",
        order="#9999",
        item="autre",
        email="autre@example.org",
    )

    async with sessions.begin() as session:
        case = await session.get_one(ReturnCase, kept.case_id)
        assert await keep(session, case, again, mail_from=SENDER) is None

    [after] = await shop.records()
    assert (after.outcome, after.name, after.order_name, after.email, after.text) == (
        kept.outcome,
        kept.name,
        kept.order_name,
        kept.email,
        kept.text,
    )
    assert len(await shop.rows("email")) == 1  # not e-mailed twice


@pytest.mark.parametrize("statement", ["update", "delete"])
async def test_the_database_refuses_to_update_or_delete_a_record(
    sessions: async_sessionmaker[AsyncSession], statement: str
) -> None:
    shop = await _shop(sessions)
    await _declare(shop)
    await shop.press("withdrawal:confirm")

    with pytest.raises((DBAPIError, IntegrityError), match="immutable"):
        async with sessions.begin() as session:
            if statement == "update":
                await session.execute(update(WithdrawalRecord).values(name="changé"))
            else:
                await session.execute(delete(WithdrawalRecord))

    async with sessions() as session:
        count = await session.scalar(select(func.count()).select_from(WithdrawalRecord))
        name = await session.scalar(text("SELECT name FROM withdrawal_records"))
    assert (count, name) == (1, "Camille Martin")


async def test_the_agents_card_lists_each_declaration_sent_or_not(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    shop = await _shop(sessions)
    await _declare(shop)
    await shop.press("withdrawal:back")
    shop.now = _paris(date(2026, 10, 20), 10, 5)
    await shop.press("option:refund")
    await shop.press("withdrawal:confirm")
    records = await shop.records()
    assert [r.outcome for r in records] == ["went_back", "sent"]

    async with sessions() as session:
        card = await case_card(session, await session.get_one(ReturnCase, records[-1].case_id))

    assert "<b>Rétractation</b>" in card
    assert (
        "• Non envoyée (le client est revenu aux options) : commencée le mardi 20 octobre 2026 à 10:00"
        in card
    )
    assert (
        "• Déclarée : commencée le mardi 20 octobre 2026 à 10:05, envoyée le mardi 20 octobre 2026"
        " à 10:05 ; accusé de réception envoyé dans la conversation et par e-mail à"
        " camille.martin@example.fr" in card
    )
