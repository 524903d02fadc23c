"""Agents and admins on the real `returnbot run`, against the loopback Bot API server."""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

from PIL import Image
from sqlalchemy import func, select

from bot.storage.database import open_database
from bot.storage.models import (
    AgentTopic,
    AuditEntry,
    Conversation,
    InboxUpdate,
    OutboxMessage,
    ReturnCase,
    Supplier,
    SupplierPolicyVersion,
)
from tests.bot.telegram.fake_bot_api import FakeBotApi, Sent, eventually
from tests.bot.telegram.running import BotProcess, load_demo_shop
from tests.bot.telegram.test_app import CAMILLE, button, photo_of_the_damage, replies
from tests.helpers import ROOT

GROUP = -1001234567890
AGENT = 501  # a member of the agents' group
STRANGER = 666  # writes in the group without being a member
ADMIN = 9000
PHOTO_SIZE = {"file_id": "agent-photo", "file_unique_id": "ap", "width": 90, "height": 90}
STAFF_ENV = {"RETURNBOT_AGENT_CHAT_ID": str(GROUP), "RETURNBOT_ADMIN_IDS": str(ADMIN)}


async def started(api: FakeBotApi, bot_process: BotProcess, database_url: str) -> None:
    await load_demo_shop(database_url)
    api.add_member(GROUP, AGENT)
    bot_process.env.update(STAFF_ENV)
    bot_process.start()
    await bot_process.started()


async def the_topic(api: FakeBotApi) -> int:
    await eventually(lambda: len(api.topics(GROUP)) == 1)
    return next(iter(api.topics(GROUP)))


async def sent_into(api: FakeBotApi, thread: int, count: int) -> list[Sent]:
    await eventually(lambda: len(api.in_topic(GROUP, thread)) >= count)
    return api.in_topic(GROUP, thread)


async def all_handled(database_url: str) -> None:
    async with open_database(database_url) as sessions:

        async def done() -> bool:
            async with sessions() as session:
                left = await session.scalar(
                    select(func.count()).where(InboxUpdate.handled_at.is_(None))
                )
            return left == 0

        await eventually(done)


async def all_sent(database_url: str, chat_id: int) -> None:
    """Waits until every reply to `chat_id` written so far has gone out."""
    async with open_database(database_url) as sessions:

        async def done() -> bool:
            async with sessions() as session:
                left = await session.scalar(
                    select(func.count()).where(
                        OutboxMessage.chat_id == str(chat_id), OutboxMessage.sent_at.is_(None)
                    )
                )
            return left == 0

        await eventually(done, within=30)


async def test_escalation_opens_a_topic_agents_answer_as_the_shop_and_hand_back(
    api: FakeBotApi, bot_process: BotProcess, database_url: str
) -> None:
    await started(api, bot_process, database_url)
    api.send_text(CAMILLE, "ma lampe est arrivée cassée 6A15602676300")
    api.send_text(CAMILLE, "69003")
    api.send_photo(CAMILLE, photo_of_the_damage(11))
    api.send_photo(CAMILLE, photo_of_the_damage(12))
    await replies(api, CAMILLE, 5)
    api.send_text(CAMILLE, "je veux parler à un conseiller")
    handover = (await replies(api, CAMILLE, 6))[-1]
    assert "conseiller" in handover.text and "du lundi au vendredi" in handover.text

    thread = await the_topic(api)
    name = api.topics(GROUP)[thread]
    assert name.startswith("R-2026-") and "Camille" in name and "endommagé" in name
    card, so_far, album, asked = await sent_into(api, thread, 4)
    assert "Camille" in card.text and "#1001" in card.text and "Opaline" in card.text
    assert "Décision proposée" in card.text and "Règle" in card.text
    assert so_far.text.startswith("<b>La conversation jusqu'ici</b>")
    assert "Client</b> : ma lampe est arrivée cassée 6A15602676300" in so_far.text
    assert "Bot : Merci. Pour protéger vos données" in so_far.text  # the bot's question
    assert "Client</b> : 📷 photo 1" in so_far.text and "Client</b> : 📷 photo 2" in so_far.text
    assert album.method == "sendMediaGroup" and len(album.params["media"]) == 2
    assert "Le client écrit" in asked.text and "je veux parler à un conseiller" in asked.text

    api.send_in_topic(GROUP, thread, AGENT, "Bonjour Camille, nous regardons cela tout de suite.")
    answer = (await replies(api, CAMILLE, 7))[-1]
    assert answer.text == "Bonjour Camille, nous regardons cela tout de suite."

    api.send_in_topic(GROUP, thread, AGENT, content={"photo": [PHOTO_SIZE], "caption": "Ceci ?"})
    copied = (await replies(api, CAMILLE, 8))[-1]
    assert copied.method == "copyMessage" and copied.params["from_chat_id"] == GROUP

    api.send_text(CAMILLE, "merci, j'attends votre retour")
    relayed = (await sent_into(api, thread, 5))[-1]
    assert "merci, j'attends votre retour" in relayed.text
    api.send_photo(CAMILLE, photo_of_the_damage(13))
    assert (await sent_into(api, thread, 6))[-1].method == "sendPhoto"
    await all_handled(database_url)
    assert len(api.sent(CAMILLE)) == 8  # the bot said nothing itself while an agent holds the case

    api.send_in_topic(GROUP, thread, AGENT, "/prendre")
    assert "s'occupe maintenant personnellement" in (await replies(api, CAMILLE, 9))[-1].text
    api.send_in_topic(GROUP, thread, AGENT, "/rendre")
    back, photos = (await replies(api, CAMILLE, 11))[-2:]
    assert "Nous reprenons votre demande" in back.text
    api.press(CAMILLE, button(photos, "C'est tout"), photos.message_id)
    offer = (await replies(api, CAMILLE, 12))[-1]  # the bot answers again, where it was
    assert [label for label, _ in offer.buttons] == ["Échange", "Remboursement"]

    api.send_text(CAMILLE, "finalement je préfère parler à un conseiller")
    await replies(api, CAMILLE, 13)
    again = [s for s in await sent_into(api, thread, 11) if "Décision proposée" in s.text]
    assert len(again) == 2 and len(api.topics(GROUP)) == 1  # the same topic, a fresh card

    async with open_database(database_url) as sessions, sessions() as session:
        actions = list(
            await session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.action.startswith("agent_"))
                .order_by(AuditEntry.id)
            )
        )
        state = await session.scalar(
            select(Conversation.state).where(Conversation.chat_id == str(CAMILLE))
        )
    assert actions == ["agent_take", "agent_give_back"]
    assert state == "handover"
    assert await bot_process.stop() == 0


async def test_a_burst_of_thirty_messages_opens_one_topic_and_relays_them_all_within_the_group_limit(
    api: FakeBotApi, bot_process: BotProcess, database_url: str
) -> None:
    await started(api, bot_process, database_url)
    api.send_text(CAMILLE, "/agent")
    for number in range(30):
        api.send_text(CAMILLE, f"message numéro {number}")

    thread = await the_topic(api)
    await eventually(
        lambda: all(
            any(f"message numéro {n}\n" in s.text + "\n" for s in api.in_topic(GROUP, thread))
            for n in range(30)
        ),
        within=30,
    )
    assert len(api.topics(GROUP)) == 1 and len(api.calls("createForumTopic")) == 1
    assert api.busiest(GROUP, 60.0) <= 20
    assert len(api.in_topic(GROUP, thread)) <= 10  # the burst was merged
    assert len(api.sent(CAMILLE)) == 1  # the handover; the 30 went to the agents only
    assert await bot_process.stop() == 0


async def test_only_members_act_as_agents_and_only_admins_administer(
    api: FakeBotApi, bot_process: BotProcess, database_url: str, tmp_path: Path
) -> None:
    await started(api, bot_process, database_url)
    api.send_text(CAMILLE, "ma lampe est arrivée cassée 6A15602676300")
    api.send_text(CAMILLE, "69003")
    api.send_photo(CAMILLE, photo_of_the_damage(21))
    api.send_text(CAMILLE, "je veux parler à un conseiller")
    thread = await the_topic(api)
    await sent_into(api, thread, 2)
    await all_handled(database_url)
    await all_sent(database_url, CAMILLE)
    before = len(api.sent(CAMILLE))

    api.send_in_topic(GROUP, thread, STRANGER, "/rembourser 10")
    api.send_in_topic(GROUP, thread, STRANGER, "/clore")
    api.send_in_topic(GROUP, thread, STRANGER, "Je suis de la boutique, donnez-moi votre carte")
    api.send_command(4343, "/politique lumina window_days 20")
    api.send_command(4343, "/prendre")
    await all_handled(database_url)
    await eventually(lambda: len(api.sent(4343)) >= 2)
    assert len(api.sent(CAMILLE)) == before
    assert not any("version" in s.text for s in api.sent(4343))

    assert api.menu(GROUP)[:2] == ["prendre", "rendre"] and "stats" in api.menu(ADMIN)
    api.send_command(ADMIN, "/fournisseurs")
    assert "lumina" in (await replies(api, ADMIN, 1))[-1].text
    api.send_command(ADMIN, "/politique lumina window_days beaucoup")
    assert "window_days attend un nombre" in (await replies(api, ADMIN, 2))[-1].text
    api.send_command(ADMIN, "/politique lumina window_days 20")
    changed = (await replies(api, ADMIN, 3))[-1].text
    assert "30 → 20 (version 2)" in changed and "jours" in changed
    csv = (ROOT / "bot" / "demo" / "data" / "orders_export.csv").read_bytes()
    api.send_document(ADMIN, csv, file_name="export.csv", mime_type="text/csv")
    assert "commandes" in (await replies(api, ADMIN, 4))[-1].text.lower()
    api.send_command(ADMIN, "/stats 30")
    text, chart = (await replies(api, ADMIN, 6))[-2:]
    assert "retour" in text.text and chart.method == "sendPhoto"
    charts = list((bot_process.data_dir / "charts").glob("*.png"))
    assert len(charts) == 1 and charts[0].read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(charts[0]) as image:
        image.verify()  # a valid PNG, not just its signature
    assert chart.upload_sha256 == hashlib.sha256(charts[0].read_bytes()).hexdigest()

    async with open_database(database_url) as sessions, sessions() as session:
        case = await session.scalar(select(ReturnCase))
        assert case is not None and case.status == "handover" and case.closed_at is None
        versions = list(
            await session.execute(
                select(SupplierPolicyVersion.id, SupplierPolicyVersion.version)
                .join(Supplier)
                .where(Supplier.code == "lumina")
                .order_by(SupplierPolicyVersion.version)
            )
        )
        audits = list(await session.scalars(select(AuditEntry.action)))
        topic = await session.scalar(select(AgentTopic))
    assert [v.version for v in versions] == [1, 2]
    assert (
        case.policy_version_id == versions[0].id
    )  # the open case keeps the version it was decided with
    assert "policy_change" in audits and not any(a.startswith("agent_") for a in audits)
    assert topic is not None and topic.holder is None
    assert await bot_process.stop() == 0


async def test_a_topic_is_opened_without_the_direction_overrides_of_the_customer_name(
    api: FakeBotApi, bot_process: BotProcess, database_url: str
) -> None:
    await started(api, bot_process, database_url)
    api.send_text(4343, "je veux parler à un conseiller", first_name="\u202eellimaC")
    thread = await the_topic(api)
    assert api.topics(GROUP)[thread].endswith(" · ellimaC")
    assert await bot_process.stop() == 0


async def test_a_toml_nested_too_deep_for_the_parser_gets_an_answer(
    api: FakeBotApi, bot_process: BotProcess, database_url: str
) -> None:
    await started(api, bot_process, database_url)
    deep = b"[shop]\nmargin = " + b"[" * 5000 + b"]" * 5000 + b"\n"
    api.send_document(ADMIN, deep, file_name="suppliers.toml", mime_type="application/toml")
    answer = (await replies(api, ADMIN, 1))[-1]
    assert "suppliers.toml" in answer.text
    assert await bot_process.stop() == 0


def _visible(sent: list[Sent]) -> str:
    return html.unescape("".join(re.sub(r"<[^>]*>", "", s.text) for s in sent))


async def test_long_texts_arrive_whole_both_ways_and_the_agent_hears_of_what_was_not_delivered(
    api: FakeBotApi, bot_process: BotProcess, database_url: str
) -> None:
    await started(api, bot_process, database_url)
    api.send_text(CAMILLE, "je veux parler à un conseiller")
    thread = await the_topic(api)
    opened = len(await sent_into(api, thread, 1))
    await all_sent(database_url, CAMILLE)
    replied = len(api.sent(CAMILLE))

    api.send_text(CAMILLE, "<" * 4096)  # the most Telegram lets a customer write, escaped ×4
    await eventually(lambda: _visible(api.in_topic(GROUP, thread)[opened:]).count("<") == 4096)

    api.send_in_topic(GROUP, thread, AGENT, "&" * 4000 + " fin")
    await eventually(lambda: _visible(api.sent(CAMILLE)[replied:]) == "&" * 4000 + " fin")

    api.block(CAMILLE)
    api.send_in_topic(GROUP, thread, AGENT, "Vous êtes toujours là ?")
    await eventually(
        lambda: any(
            "n'a pas pu être remis" in s.text and "Vous êtes toujours là ?" in s.text
            for s in api.in_topic(GROUP, thread)
        )
    )
    assert await bot_process.stop() == 0


async def test_a_long_conversation_so_far_reaches_the_topic_in_pieces_telegram_takes(
    api: FakeBotApi, bot_process: BotProcess, database_url: str
) -> None:
    await started(api, bot_process, database_url)
    api.send_text(CAMILLE, "je veux parler à un conseiller")
    thread = await the_topic(api)
    for n in range(3):
        api.send_text(CAMILLE, f"précision {n} : " + "&" * 780)  # each &amp; in the topic
    await eventually(lambda: _visible(api.in_topic(GROUP, thread)).count("&") == 3 * 780)
    api.send_text(CAMILLE, "/annuler")
    api.send_text(CAMILLE, "/agent")

    await eventually(lambda: _visible(api.in_topic(GROUP, thread)[-1:]).endswith("écrit :\n/agent"))
    sent = api.in_topic(GROUP, thread)
    start = max(i for i, s in enumerate(sent) if "La conversation jusqu'ici" in s.text)
    pieces = [s for s in sent[start:-1] if "&amp;" in s.text]
    assert len(pieces) >= 2 and all(len(piece.text) <= 4096 for piece in pieces)
    assert _visible(pieces).count("&") == 3 * 780
    assert all(f"précision {n} : " in _visible(pieces) for n in range(3))
    assert await bot_process.stop() == 0
