"""The case after the offer on the real `returnbot run`, against the loopback Bot API and a loopback
SMTP server: every path of the lifecycle, and a process killed and restarted between every two steps.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import func, select, update

from bot.storage.database import open_database
from bot.storage.models import OutboxMessage, ReturnCase, ScheduledJob, ShopSettings
from tests.bot.mail.smtp_server import Mailbox, free_port, smtp_server
from tests.bot.telegram.fake_bot_api import FakeBotApi, Sent, eventually
from tests.bot.telegram.running import BotProcess, load_demo_shop
from tests.bot.telegram.test_app import CAMILLE, button, photo_of_the_damage, replies
from tests.bot.telegram.test_staff import ADMIN, AGENT, GROUP, STAFF_ENV, all_handled
from tests.conversation_helpers import RETURN_NUMBER

TOM = 5151  # ordered the USB-C charger, parcel LX123456785CN, postcode 35000
LEA = 6262  # ordered the earbuds, parcel LP00412345678901, postcode 59000


async def _shop(database_url: str, *, follow_up_after_days: int) -> None:
    await load_demo_shop(database_url)
    async with open_database(database_url) as sessions, sessions.begin() as session:
        await session.execute(
            update(ShopSettings).values(follow_up_after_days=follow_up_after_days)
        )


async def _settled(database_url: str) -> None:
    """Every update handled and every message sent (nothing in flight)."""
    await all_handled(database_url)
    async with open_database(database_url) as sessions:

        async def sent() -> bool:
            async with sessions() as session:
                left = await session.scalar(
                    select(func.count()).where(
                        OutboxMessage.sent_at.is_(None), OutboxMessage.last_error.is_(None)
                    )
                )
            return left == 0

        await eventually(sent, within=30)


async def _case(database_url: str, customer: int = CAMILLE) -> ReturnCase:
    async with open_database(database_url) as sessions, sessions() as session:
        cases = (await session.scalars(select(ReturnCase).order_by(ReturnCase.id))).all()
    return cases[-1] if customer == CAMILLE else cases[0]


async def _said(api: FakeBotApi, chat: int, words: str, within: float = 30) -> Sent:
    """The message to `chat` that says `words`, once it has arrived."""
    await eventually(lambda: any(words in s.text for s in api.sent(chat)), within=within)
    return next(s for s in api.sent(chat) if words in s.text)


async def _in_topic(api: FakeBotApi, words: str, within: float = 30) -> Sent:
    await eventually(lambda: any(words in s.text for s in api.sent(GROUP)), within=within)
    return next(s for s in api.sent(GROUP) if words in s.text)


async def test_authorised_by_email_label_in_transit_received_refunded_and_rated_through_restarts(
    api: FakeBotApi, bot_process: BotProcess, database_url: str
) -> None:
    await _shop(database_url, follow_up_after_days=0)
    mailbox, port = Mailbox(), free_port()
    api.add_member(GROUP, AGENT)
    bot_process.env.update(
        STAFF_ENV,
        RETURNBOT_SMTP_HOST="127.0.0.1",
        RETURNBOT_SMTP_PORT=str(port),
        RETURNBOT_SMTP_SECURITY="none",
        RETURNBOT_SMTP_FROM="retours@maison-lumiere.example",
    )
    bot_process.start()
    await bot_process.started()

    async def step(action: Callable[[], Awaitable[object]]) -> None:
        """One step, then the process is killed and started again: nothing may be lost."""
        await action()
        await _settled(database_url)
        bot_process.kill()
        bot_process.start()
        await bot_process.started()

    async def admin() -> None:
        api.send_command(ADMIN, "/politique lumina authorisation_required oui")
        api.send_command(ADMIN, "/politique lumina contact_email retours@lumina.example")
        api.send_command(ADMIN, "/politique lumina language en")
        await replies(api, ADMIN, 3)

    async def choose_refund() -> None:
        api.send_text(CAMILLE, "ma lampe 6A15602676300 est arrivée cassée")
        api.send_text(CAMILLE, "69003")
        api.send_photo(CAMILLE, photo_of_the_damage(31))
        api.send_photo(CAMILLE, photo_of_the_damage(32))
        api.send_text(CAMILLE, "c'est tout")
        offer = await _said(api, CAMILLE, "Que préférez-vous")
        api.press(CAMILLE, button(offer, "Remboursement"), offer.message_id)
        await _said(api, CAMILLE, "Nous préparons votre retour")
        await _in_topic(api, "n'est pas encore parti")  # no mail server yet: tried again

    async def mail_arrives() -> None:
        server = smtp_server(mailbox, port)
        server.start()
        try:
            await eventually(lambda: len(mailbox.received) == 1, within=60)
        finally:
            server.stop()
        await _in_topic(api, "Demande d'accord de retour envoyée par e-mail")

    thread_of: dict[str, int] = {}

    async def agreement() -> None:
        thread_of["topic"] = next(iter(api.topics(GROUP)))
        api.send_in_topic(GROUP, thread_of["topic"], AGENT, "/accord RMA-4471")
        await _in_topic(api, "Envoyez ici l'étiquette")

    async def label() -> None:
        pdf = api.add_file(b"%PDF-1.4\n% etiquette de retour\n")
        document = {
            "file_id": pdf.file_id,
            "file_unique_id": "u" + pdf.file_id,
            "file_name": "etiquette.pdf",
            "mime_type": "application/pdf",
            "file_size": pdf.size,
        }
        api.send_in_topic(GROUP, thread_of["topic"], AGENT, content={"document": document})
        ready = await _said(api, CAMILLE, "Bonne nouvelle")
        assert ready.method == "sendDocument" and "RMA-4471" in ready.text

    async def shipped() -> None:
        ready = await _said(api, CAMILLE, "Bonne nouvelle")
        api.press(CAMILLE, button(ready, "J'ai envoyé le colis"), ready.message_id)
        await _said(api, CAMILLE, "numéro de suivi de votre colis retour")
        api.send_text(CAMILLE, RETURN_NUMBER)
        await _said(api, CAMILLE, "Nous suivons votre colis retour")

    async def received() -> None:
        api.send_in_topic(GROUP, thread_of["topic"], AGENT, "/recu")
        await _said(api, CAMILLE, "Nous avons bien reçu")

    async def refunded() -> None:
        api.send_in_topic(GROUP, thread_of["topic"], AGENT, "/remboursé")
        await _said(api, CAMILLE, "nous vous avons remboursé")
        await _said(api, CAMILLE, "Touchez une note de 1 à 5")  # the follow-up, after 0 days

    async def rated() -> None:
        follow_up = await _said(api, CAMILLE, "Touchez une note de 1 à 5")
        api.press(CAMILLE, button(follow_up, "4 ⭐"), follow_up.message_id)
        await _said(api, CAMILLE, "Voulez-vous ajouter un mot")
        api.send_text(CAMILLE, "rapide et aimable")
        await _said(api, CAMILLE, "votre avis nous aide")

    for action in (
        admin,
        choose_refund,
        mail_arrives,
        agreement,
        label,
        shipped,
        received,
        refunded,
        rated,
    ):
        await step(action)

    (request,) = mailbox.received
    assert request.rcpt_tos == ["retours@lumina.example"]
    assert "Return authorisation request" in str(request.message["subject"])
    body = request.message.get_body(("plain",))
    assert body is not None and "#1001" in body.get_content()
    photos = [
        part
        for part in request.message.iter_attachments()
        if part.get_content_type() == "image/jpeg"
    ]
    assert len(photos) == 2
    case = await _case(database_url)
    assert (case.status, case.rma, case.rating, case.rating_comment) == (
        "closed",
        "RMA-4471",
        4,
        "rapide et aimable",
    )
    texts = [s.text for s in api.sent(CAMILLE)]
    for words in ("Nous préparons votre retour", "Bonne nouvelle", "Nous avons bien reçu",
                  "nous vous avons remboursé", "Touchez une note de 1 à 5", "votre avis nous aide"):  # fmt: skip
        assert sum(words in text for text in texts) == 1, words  # each once, restarts and all
    async with open_database(database_url) as sessions, sessions() as session:
        jobs = list(
            await session.scalars(select(ScheduledJob).where(ScheduledJob.kind == "follow_up"))
        )
    assert len(jobs) == 1 and jobs[0].done_at is not None and jobs[0].error is None
    assert not any("Lumina" in text or "fournisseur" in text for text in texts)
    assert bot_process.starts == 10
    assert await bot_process.stop() == 0


async def test_keep_and_replace_a_supplier_refusal_and_a_cancellation_end_to_end(
    api: FakeBotApi, bot_process: BotProcess, database_url: str
) -> None:
    await _shop(database_url, follow_up_after_days=3)
    api.add_member(GROUP, AGENT)
    bot_process.env.update(STAFF_ENV)
    bot_process.start()
    await bot_process.started()

    # Tom keeps his damaged charger; a new one is ordered and shipped.
    api.send_text(
        TOM, "les deux chargeurs : le colis est arrivé tout abîmé LX123456785CN", first_name="Tom"
    )
    api.send_text(TOM, "35000", first_name="Tom")
    api.send_photo(TOM, photo_of_the_damage(41))
    api.send_text(TOM, "terminé", first_name="Tom")
    offer = await _said(api, TOM, "Que préférez-vous")
    api.press(TOM, button(offer, "Je le garde, envoyez-en un autre"), offer.message_id)
    await _said(api, TOM, "vous n'avez rien à renvoyer")
    task = await _in_topic(api, "À commander")
    assert "Tom Garnier" in task.text and "Shenzhen Gadgets" in task.text
    thread = task.params["message_thread_id"]
    api.send_in_topic(GROUP, thread, AGENT, "/expedie 6C02345678901")
    shipped = await _said(api, TOM, "Votre nouvel article")
    assert "6C02345678901" in shipped.text

    # Camille's lamp: the supplier refuses; an agent decides; then she cancels another request.
    api.send_command(ADMIN, "/politique lumina authorisation_required oui")
    await replies(api, ADMIN, 1)
    api.send_text(CAMILLE, "ma lampe 6A15602676300 est arrivée cassée")
    api.send_text(CAMILLE, "69003")
    api.send_photo(CAMILLE, photo_of_the_damage(42))
    api.send_text(CAMILLE, "c'est tout")
    offer = await _said(api, CAMILLE, "Que préférez-vous")
    api.press(CAMILLE, button(offer, "Échange"), offer.message_id)
    await _said(api, CAMILLE, "Nous préparons votre retour")
    request = await _in_topic(api, "Demande d'accord de retour à transmettre")
    camille_thread = request.params["message_thread_id"]
    api.send_in_topic(GROUP, camille_thread, AGENT, "/desaccord")
    await _in_topic(api, "refusé par le fournisseur")
    api.send_in_topic(GROUP, camille_thread, AGENT, "/garder")
    kept = await _said(api, CAMILLE, "gardez « Lampe de chevet Opaline »")
    assert "rien à renvoyer" in kept.text

    # Léa chose a refund for her earbuds, then cancels before it is made.
    api.send_text(LEA, "mes écouteurs ne fonctionnent pas LP00412345678901", first_name="Léa")
    api.send_text(LEA, "59000", first_name="Léa")
    api.send_photo(LEA, photo_of_the_damage(43))
    api.send_text(LEA, "c'est tout", first_name="Léa")
    offer = await _said(api, LEA, "Que préférez-vous")
    api.press(LEA, button(offer, "Remboursement"), offer.message_id)
    await _said(api, LEA, "Votre remboursement")
    api.send_command(LEA, "/annuler")
    await _said(api, LEA, "C'est annulé")

    await all_handled(database_url)
    async with open_database(database_url) as sessions, sessions() as session:
        statuses = [
            case.status
            for case in await session.scalars(select(ReturnCase).order_by(ReturnCase.id))
        ]
    assert statuses == ["replacement_shipped", "awaiting_replacement", "cancelled"]
    assert await bot_process.stop() == 0
