"""The case after the offer through the real engine on a database: every path of its lifecycle,
driven by the customer, the agents' commands, a shipments import and the scheduler."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import count
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.admin.chat import answer_admin
from bot.agents.commands import AgentMessage, handle_agent_message
from bot.agents.handoff import AGENTS_CHANNEL
from bot.cases.effects import Effects
from bot.cases.lifecycle import Lifecycle
from bot.channels.writes import WriteGate
from bot.conversation import ChoiceIn, ConversationEngine, PhotoIn, Sender, TextIn
from bot.importers import run_import
from bot.photos import store_photo
from bot.scheduler.runner import Scheduler
from bot.storage.models import AgentTopic, OutboxMessage, ReturnCase, ScheduledJob
from tests.conversation_helpers import RETURN_NUMBER, jpeg
from tests.helpers import load_example_shop

GROUP = "-1001234567890"
THREAD = 77
CAMILLE = Sender("telegram", "4242", "4242", "Camille")
START = datetime.combine(date(2026, 11, 5), time(9, 30), tzinfo=UTC)


class Shop:
    """The example shop on a database, its agents' group, its scheduler and a clock to move."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], database_url: str, photos: Path
    ) -> None:
        self.sessions = sessions
        self.photos = photos
        self.now = START
        self.lifecycle = Lifecycle(Effects(agent_chat=GROUP))
        self.engine = ConversationEngine(sessions, clock=lambda: self.now, lifecycle=self.lifecycle)
        self.scheduler = Scheduler(
            sessions, WriteGate(database_url), self.lifecycle, clock=lambda: self.now
        )
        self._ids = count(1)

    async def customer(self, text: str) -> None:
        await self.engine.handle(CAMILLE, TextIn(text))

    async def press(self, choice: str) -> None:
        await self.engine.handle(CAMILLE, ChoiceIn(choice))

    async def photo(self, shade: int = 90) -> None:
        stored = store_photo(jpeg(shade), self.photos)
        await self.engine.handle(CAMILLE, PhotoIn(stored.sha256, str(stored.path)))

    async def agent(self, text: str, *, file: Path | None = None) -> None:
        message = AgentMessage(
            501,
            "Alex Martin",
            THREAD,
            next(self._ids),
            text,
            file is not None,
            str(file) if file else None,
        )
        async with self.sessions() as session, session.begin():
            assert await handle_agent_message(
                session, self.engine, message, agent_chat_id=GROUP, now=self.now
            )

    async def admin(self, text: str) -> str:
        async with self.sessions() as session, session.begin():
            return (await answer_admin(session, text, actor="admin:9000", now=self.now)).text

    async def topic_opened(self) -> None:
        """As the topics sender does once it has opened the customer's forum topic."""
        async with self.sessions() as session, session.begin():
            topic = (await session.scalars(select(AgentTopic))).one()
            topic.message_thread_id = THREAD

    async def later(self, days: int) -> int:
        """Time passes; the jobs that fall due run. How many fired."""
        self.now += timedelta(days=days)
        return await self.scheduler.run_due()

    async def said_to_customer(self) -> list[dict[str, object]]:
        async with self.sessions() as session:
            rows = await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.channel == "telegram")
                .order_by(OutboxMessage.id)
            )
            return [row.payload for row in rows]

    async def last_templates(self, count_: int = 1) -> list[str]:
        return [str(p["template"]) for p in (await self.said_to_customer())[-count_:]]

    async def said_to_agents(self) -> list[str]:
        async with self.sessions() as session:
            rows = await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.channel == AGENTS_CHANNEL)
                .order_by(OutboxMessage.id)
            )
            return [str(row.payload.get("text") or "") for row in rows]

    async def case(self) -> ReturnCase:
        async with self.sessions() as session:
            return (
                await session.scalars(select(ReturnCase).order_by(ReturnCase.id.desc()))
            ).first()  # type: ignore[return-value]


async def _lamp_broken(shop: Shop, option: str) -> None:
    await shop.customer("ma lampe 6A15602676300 est arrivée cassée")
    await shop.customer("69003")
    await shop.photo(11)
    await shop.photo(12)
    await shop.customer("c'est tout")
    await shop.press(f"option:{option}")


async def _opened(
    sessions: async_sessionmaker[AsyncSession], database_url: str, tmp_path: Path
) -> Shop:
    await load_example_shop(sessions)
    return Shop(sessions, database_url, tmp_path / "photos")


async def test_authorised_label_sent_in_transit_received_refunded_then_the_follow_up_is_rated(
    sessions: async_sessionmaker[AsyncSession], database_url: str, tmp_path: Path
) -> None:
    shop = await _opened(sessions, database_url, tmp_path)
    assert "(version 2)" in (await shop.admin("/politique lumina authorisation_required oui"))
    await _lamp_broken(shop, "refund")

    assert await shop.last_templates() == ["return_being_prepared"]
    request = next(t for t in await shop.said_to_agents() if "Demande d'accord" in t)
    assert "#1001" in request and "Lampe de chevet Opaline" in request and "Lumina Home" in request
    assert (await shop.case()).status == "awaiting_authorisation"

    await shop.topic_opened()
    await shop.agent("/accord RMA-4471")
    assert "Envoyez ici l'étiquette" in (await shop.said_to_agents())[-1]
    label = tmp_path / "etiquette.pdf"
    label.write_bytes(b"%PDF-1.4 etiquette")
    await shop.agent("", file=label)

    ready = (await shop.said_to_customer())[-1]
    assert ready["template"] == "return_ready" and ready["document"] == str(label)
    assert "RMA-4471" in str(ready["text"]) and "12 rue des Entrepôts" in str(ready["text"])
    assert "Lumina" not in str(ready["text"])
    assert "<b>Maison Lumière — Service retours\n12 rue des Entrepôts" in str(ready["text"])

    await shop.press("return:shipped")
    await shop.customer("6A15602676300")  # the parcel received, not the one sent back
    assert await shop.last_templates() == ["reask_return_tracking"]
    await shop.customer(RETURN_NUMBER)
    assert await shop.last_templates() == ["return_on_its_way"]
    assert any(RETURN_NUMBER in text for text in await shop.said_to_agents())

    await shop.agent("/recu")
    assert await shop.last_templates() == ["return_received"]
    await shop.agent("/remboursé")
    refund = (await shop.said_to_customer())[-1]
    assert refund["template"] == "refund_made" and "39,80" in str(refund["text"])
    assert "moyen de paiement" in str(refund["text"])
    case = await shop.case()
    assert (case.status, case.refunded_on) == ("refunded", START.date())

    assert await shop.later(2) == 0
    assert await shop.later(1) == 1  # three days after the refund (follow_up_after_days)
    follow_up = (await shop.said_to_customer())[-1]
    assert follow_up["template"] == "follow_up"
    assert [choice[0] for choice in follow_up["choices"]] == [f"rating:{n}" for n in range(1, 6)]  # type: ignore[union-attr]
    assert await shop.later(1) == 0  # once

    await shop.press("rating:5")
    await shop.customer("Très réactifs, merci !")
    case = await shop.case()
    assert (case.status, case.rating, case.rating_comment) == (
        "closed",
        5,
        "Très réactifs, merci !",
    )
    assert await shop.last_templates() == ["thanks_for_rating"]
    stats = await shop.admin("/stats")
    assert "Satisfaction (suivi) : 5,0/5 sur 1 avis" in stats


async def test_keep_and_replace_skips_the_return_and_the_replacement_is_shipped(
    sessions: async_sessionmaker[AsyncSession], database_url: str, tmp_path: Path
) -> None:
    shop = await _opened(sessions, database_url, tmp_path)
    await shop.customer("les deux chargeurs : le colis est arrivé tout abîmé LX123456785CN")
    await shop.customer("35000")
    await shop.photo()
    await shop.customer("terminé")
    await shop.press("option:keep_and_replace")

    assert await shop.last_templates() == ["instructions_keep_and_replace"]
    task = next(t for t in await shop.said_to_agents() if "À commander" in t)
    assert (
        "Chargeur" in task
        and "Shenzhen Gadgets" in task
        and "35000 Rennes" in task
        and "Tom Garnier" in task
    )
    assert (await shop.case()).status == "awaiting_replacement"

    await shop.topic_opened()
    await shop.agent("/expedie 1234")
    assert "numéro de suivi valide" in (await shop.said_to_agents())[-1]
    await shop.agent("/expédié 6C02345678901")

    shipped = (await shop.said_to_customer())[-1]
    assert shipped["template"] == "replacement_on_its_way" and "6C02345678901" in str(
        shipped["text"]
    )
    assert (await shop.case()).status == "replacement_shipped"


async def test_refused_by_the_supplier_an_agent_decides_and_the_item_comes_back_to_the_shop(
    sessions: async_sessionmaker[AsyncSession], database_url: str, tmp_path: Path
) -> None:
    shop = await _opened(sessions, database_url, tmp_path)
    await shop.admin("/politique lumina authorisation_required oui")
    await _lamp_broken(shop, "exchange")
    await shop.topic_opened()
    before = len(await shop.said_to_customer())

    await shop.agent("/desaccord pas sous garantie selon eux")

    assert len(await shop.said_to_customer()) == before  # the customer never hears of it
    assert "refusé par le fournisseur" in "\n".join(await shop.said_to_agents())
    await shop.agent("/rembourser 34,90")
    decided = (await shop.said_to_customer())[-1]
    assert decided["template"] == "instructions_refund"
    assert "8 rue du Commerce" in str(decided["text"])  # the shop's own address now
    case = await shop.case()
    assert (case.status, case.chosen_option, case.needs_authorisation) == (
        "awaiting_return",
        "refund",
        False,
    )


async def test_cancelled_by_the_customer_before_the_return_leaves(
    sessions: async_sessionmaker[AsyncSession], database_url: str, tmp_path: Path
) -> None:
    shop = await _opened(sessions, database_url, tmp_path)
    await _lamp_broken(shop, "exchange")

    await shop.customer("/annuler")

    case = await shop.case()
    assert (case.status, case.closed_at is not None) == ("cancelled", True)
    assert await shop.last_templates() == ["cancelled"]


async def test_a_shipments_import_marks_the_return_received_once(
    sessions: async_sessionmaker[AsyncSession], database_url: str, tmp_path: Path
) -> None:
    shop = await _opened(sessions, database_url, tmp_path)
    await _lamp_broken(shop, "exchange")
    await shop.customer(f"voilà le numéro du colis retour : {RETURN_NUMBER}")
    assert (await shop.case()).status == "return_in_transit"
    returns = f"order,tracking_number,carrier,shipped_at,delivered_at,skus\n#1001,{RETURN_NUMBER},la_poste,2026-11-06,2026-11-09,\n".encode()

    first = await run_import(
        sessions, "shipments", returns, on_return=shop.lifecycle.return_arrived
    )
    again = await run_import(
        sessions, "shipments", returns, on_return=shop.lifecycle.return_arrived
    )

    assert first.returns_received == ["R-2026-000001"] and again.returns_received == []
    assert "Retours arrivés : 1 (R-2026-000001)" in "\n".join(first.lines())
    case = await shop.case()
    assert (case.status, case.received_on) == ("received", date(2026, 11, 9))
    templates = [p["template"] for p in await shop.said_to_customer()]
    assert templates.count("return_received") == 1


async def test_reminders_before_the_due_date_and_alerts_with_the_surcharge_after(
    sessions: async_sessionmaker[AsyncSession], database_url: str, tmp_path: Path
) -> None:
    shop = await _opened(sessions, database_url, tmp_path)
    await shop.customer("les deux chargeurs : le colis est arrivé tout abîmé LX123456785CN")
    await shop.customer("35000")
    await shop.photo()
    await shop.customer("terminé")
    await shop.press("option:refund")
    case = await shop.case()
    assert case.refund_due == date(2026, 11, 19)  # nothing travels back: 14 days from the choice

    assert await shop.later(10) == 0  # 15 November: not yet
    assert await shop.later(1) == 1  # 16 November, 9:00 in Paris: three days before
    assert "⏰ Rappel : remboursement" in (await shop.said_to_agents())[-1]
    assert await shop.later(4) == 1  # 20 November: the day after the due date
    alert = (await shop.said_to_agents())[-1]
    assert "Délai dépassé" in alert and "L242-4" in alert and "taux légal" in alert
    assert await shop.later(10) == 1  # 30 November, 11 days late: the next step
    assert "5 %" in (await shop.said_to_agents())[-1]

    await shop.topic_opened()
    await shop.agent("/rembourse")
    alerts = sum("Délai dépassé" in text for text in await shop.said_to_agents())
    await shop.later(30)  # the next step's alert is due, but the refund is made
    assert sum("Délai dépassé" in text for text in await shop.said_to_agents()) == alerts
    assert (await shop.last_templates()) == ["follow_up"]
    async with sessions() as session:
        pending = await session.scalar(select(func.count()).where(ScheduledJob.done_at.is_(None)))
    assert pending == 0


async def test_a_replacement_gets_its_reminder_and_its_alert_until_it_is_shipped(
    sessions: async_sessionmaker[AsyncSession], database_url: str, tmp_path: Path
) -> None:
    shop = await _opened(sessions, database_url, tmp_path)
    await shop.customer("les deux chargeurs : le colis est arrivé tout abîmé LX123456785CN")
    await shop.customer("35000")
    await shop.photo()
    await shop.customer("terminé")
    await shop.press("option:keep_and_replace")
    case = await shop.case()
    assert case.replacement_due == date(2026, 12, 5)  # 30 days from the request (L217-10)

    assert await shop.later(26) == 0  # 1 December: not yet
    assert await shop.later(1) == 1  # 2 December, 9:00 in Paris: three days before
    assert "⏰ Rappel : remplacement (L217-10)" in (await shop.said_to_agents())[-1]
    assert await shop.later(4) == 1  # 6 December: the day after the due date
    alert = (await shop.said_to_agents())[-1]
    assert "Délai dépassé" in alert and "L217-14" in alert and "/expedie" in alert
    assert "L242-4" not in alert  # the surcharge is the refund's (L242-4), not the replacement's

    await shop.topic_opened()
    await shop.agent("/expedie 6C02345678901")
    alerts = sum("Délai dépassé" in text for text in await shop.said_to_agents())
    await shop.later(30)  # the next alert would be due, but the replacement has left
    assert sum("Délai dépassé" in text for text in await shop.said_to_agents()) == alerts
    assert (await shop.case()).status == "closed"  # shipped, then closed with its follow-up
