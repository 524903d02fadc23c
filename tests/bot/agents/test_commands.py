"""Agents' commands on a real database: decisions through the bot's templates, a legal refusal confirmed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from itertools import count
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.agents.commands import AgentMessage, handle_agent_message
from bot.agents.handoff import AGENTS_CHANNEL
from bot.cases.effects import Effects
from bot.cases.lifecycle import Lifecycle
from bot.conversation import ChoiceIn, ConversationEngine, PhotoIn, Sender, TextIn
from bot.photos import store_photo
from bot.storage.models import AgentTopic, AuditEntry, Conversation, OutboxMessage, ReturnCase
from tests.conversation_helpers import jpeg
from tests.helpers import load_example_shop

GROUP = -1001234567890
THREAD = 77
NOW = datetime.combine(date(2026, 11, 5), time(9, 30), tzinfo=UTC)
CAMILLE = Sender("telegram", "4242", "4242", "Camille")


class Desk:
    """Camille's case handed over, and an agent typing in her topic."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.engine = ConversationEngine(
            sessions, clock=lambda: NOW, lifecycle=Lifecycle(Effects(agent_chat=str(GROUP)))
        )
        self._ids = count(1)

    async def customer(self, text: str) -> None:
        async with self.sessions() as session, session.begin():
            await self.engine.handle_in(session, CAMILLE, TextIn(text))

    async def press(self, choice_id: str) -> None:
        async with self.sessions() as session, session.begin():
            await self.engine.handle_in(session, CAMILLE, ChoiceIn(choice_id))

    async def photo(self, photos_dir: Path, shade: int) -> None:
        stored = store_photo(jpeg(shade=shade * 40), photos_dir)
        event = PhotoIn(stored.sha256, str(stored.path), stored.perceptual_hash)
        async with self.sessions() as session, session.begin():
            await self.engine.handle_in(session, CAMILLE, event)

    async def agent(self, text: str) -> None:
        message = AgentMessage(501, "Alex Martin", THREAD, next(self._ids), text, False)
        async with self.sessions() as session, session.begin():
            assert await handle_agent_message(
                session, self.engine, message, agent_chat_id=GROUP, now=NOW
            )

    async def rows(self, channel: str) -> list[OutboxMessage]:
        async with self.sessions() as session:
            query = select(OutboxMessage).where(OutboxMessage.channel == channel)
            return list(await session.scalars(query.order_by(OutboxMessage.id)))

    async def said_to_customer(self) -> list[str]:
        return [str(row.payload["text"]) for row in await self.rows("telegram")]

    async def said_to_agents(self) -> list[str]:
        return [str(row.payload.get("text") or "") for row in await self.rows(AGENTS_CHANNEL)]

    async def audit(self) -> list[AuditEntry]:
        async with self.sessions() as session:
            return list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


async def handed_over(sessions: async_sessionmaker[AsyncSession]) -> Desk:
    await load_example_shop(sessions)
    desk = Desk(sessions)
    await desk.customer("ma lampe 6A15602676300 est arrivée cassée")
    await desk.customer("69003")
    await desk.customer("je veux parler à un conseiller")
    async with sessions() as session, session.begin():
        topic = (await session.scalars(select(AgentTopic))).one()
        topic.message_thread_id = THREAD  # as the topics sender does once it has opened it
    return desk


async def test_a_refusal_the_law_forbids_is_held_until_the_agent_confirms(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    desk = await handed_over(sessions)
    before = len(await desk.said_to_customer())

    await desk.agent("/refuser L'article a été utilisé")

    assert len(await desk.said_to_customer()) == before
    warning = (await desk.said_to_agents())[-1]
    assert "garantie légale de conformité" in warning and "/confirmer" in warning

    await desk.agent("/confirmer")

    refusal = (await desk.said_to_customer())[-1]
    assert "nous ne pouvons pas y donner une suite favorable" in refusal
    assert "article a été utilisé" in refusal
    entry = (await desk.audit())[-1]
    assert entry.action == "agent_refuse" and entry.after is not None
    assert entry.after["against_law"] is True and entry.actor.startswith("agent:501")


async def test_decisions_use_the_bots_instructions_and_every_command_is_audited(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    desk = await handed_over(sessions)

    await desk.agent("/rembourser beaucoup")
    assert "Indiquez le montant" in (await desk.said_to_agents())[-1]
    await desk.agent("/rembourser 20,00")
    refund = (await desk.said_to_customer())[-1]
    assert "20,00\u00a0€" in refund and "R-2026-000001" in refund
    await desk.agent("/echange")
    assert "notre adresse de retour" in (await desk.said_to_customer())[-1]
    await desk.agent("/note client rappelé à 10 h")
    await desk.agent("/dossier")
    assert "Décision proposée" in (await desk.said_to_agents())[-1]
    await desk.agent("/clore")
    assert "est maintenant clos" in (await desk.said_to_customer())[-1]

    assert not any("Alex" in text for text in await desk.said_to_customer())
    actions = [entry.action for entry in await desk.audit()]
    assert actions[-5:] == [
        "agent_refund",
        "agent_exchange",
        "agent_note",
        "agent_view",
        "agent_close",
    ]
    async with sessions() as session:
        case = (await session.scalars(select(ReturnCase))).one()
        state = await session.scalar(select(Conversation.state))
    assert (case.chosen_option, case.status) == ("exchange", "closed")
    assert case.closed_at is not None and state == "done"


async def test_an_agent_takes_back_a_customer_the_bot_was_serving(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    desk = await handed_over(sessions)
    await desk.agent("/rendre")
    await desk.agent("/prendre")

    said = await desk.said_to_customer()
    assert "Nous reprenons votre demande" in said[-3]
    assert "Un conseiller prend le relais" in said[-1] and "du lundi au vendredi" in said[-1]
    async with sessions() as session:
        state = await session.scalar(select(Conversation.state))
        topic = (await session.scalars(select(AgentTopic))).one()
    assert state == "handover" and topic.holder == "Alex Martin"


async def test_amounts_are_to_the_cent_positive_and_above_what_was_paid_only_when_confirmed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    desk = await handed_over(sessions)
    before = len(await desk.said_to_customer())

    for wrong in ("0,001", "0", "-5", "24,905", "beaucoup"):
        await desk.agent(f"/rembourser {wrong}")
        assert "au centime près" in (await desk.said_to_agents())[-1], wrong
    await desk.agent("/rembourser 100000")
    warning = (await desk.said_to_agents())[-1]
    # 34,90 € and the 4,90 € delivery the order paid (L221-24)
    assert "dépasse ce que le client a payé" in warning and "39,80" in warning
    assert len(await desk.said_to_customer()) == before  # nothing said to the customer yet

    await desk.agent("/confirmer")

    refund = (await desk.said_to_customer())[-1]
    assert "100\u202f000,00\u00a0€" in refund
    assert len(await desk.said_to_customer()) == before + 1


async def test_refunding_the_item_and_its_delivery_is_not_above_what_was_paid(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    desk = await handed_over(sessions)
    before = len(await desk.said_to_customer())

    await desk.agent("/rembourser 39,81")
    assert "dépasse ce que le client a payé" in (await desk.said_to_agents())[-1]
    await desk.agent("/rembourser 39,80")

    said = await desk.said_to_customer()
    assert len(said) == before + 1
    assert "39,80\u00a0€" in said[-1] and "moyen de paiement utilisé pour la commande" in said[-1]
