"""`returnbot chat`: the conversation in the terminal, through the same engine as Telegram.

The terminal is a channel like Telegram: the engine writes its replies as outbox rows, which the
console prints (and marks sent); the agents' side works as in the agents' group: what the
customer's topic would show is printed « [Conseillers] … », and `/conseiller TEXTE` speaks or acts
as an agent (`/conseiller /recu`, `/conseiller /rembourse`…). Jobs that fall due (reminders, the
follow-up) run before each prompt.
"""

from __future__ import annotations

import asyncio
import html
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.agents.commands import AgentMessage, handle_agent_message
from bot.agents.handoff import CONSOLE_DESK, CONSOLE_DESK_CHANNEL
from bot.cases.effects import Effects
from bot.cases.lifecycle import Lifecycle
from bot.channels.writes import WriteGate
from bot.cli.french import CommandError, FrenchCommand
from bot.config import Settings, settings_or_exit
from bot.conversation import (
    ChoiceIn,
    ConversationEngine,
    Event,
    PhotoIn,
    Sender,
    TextIn,
    UnsupportedIn,
)
from bot.demo import load_demo
from bot.photos import NotAnImage, store_photo
from bot.scheduler.runner import Scheduler
from bot.storage.database import open_database
from bot.storage.migrate import upgrade_database
from bot.storage.models import AgentTopic, Customer, OutboxMessage, ShopSettings
from messages import counted

CHANNEL = "console"
QUIT = ("/quitter", "/exit", "/quit")
AGENT = "/conseiller"
AGENT_NAME = "Conseiller (terminal)"
DEFAULT_CLIENT = "camille"  # a real first name: the bot greets « Bonjour Camille »


@click.command(cls=FrenchCommand, help="Discute avec le bot dans le terminal, comme un client.")
@click.option(
    "--client",
    "client",
    default=DEFAULT_CLIENT,
    show_default=True,
    help="Le client que vous incarnez (chaque nom a sa propre conversation).",
)
def chat(client: str) -> None:
    settings = settings_or_exit()
    try:
        asyncio.run(_chat(settings, client.strip() or DEFAULT_CLIENT))
    except (KeyboardInterrupt, EOFError):
        click.echo("\nÀ bientôt !")


async def _chat(settings: Settings, client: str) -> None:
    await upgrade_database(settings.database_url)
    async with open_database(settings.database_url) as sessions:
        if not await _shop_loaded(sessions):
            await _offer_demo(sessions)
        lifecycle = Lifecycle(Effects(agent_chat=CONSOLE_DESK))
        engine = ConversationEngine(sessions, lifecycle=lifecycle)
        scheduler = Scheduler(sessions, WriteGate(settings.database_url), lifecycle)
        sender = Sender(CHANNEL, client, client, client.capitalize())
        click.echo(
            f"Vous êtes « {client} ». Écrivez comme un client ; un numéro choisit un bouton ; "
            f"/photo CHEMIN envoie une image ; {AGENT} TEXTE parle ou agit comme un conseiller "
            "(par exemple /conseiller /recu) ; /quitter pour sortir.\n"
        )
        await engine.handle(sender, TextIn("/start"))
        choices = await _show(sessions, sender, [])
        while True:
            await scheduler.run_due()
            choices = await _show(sessions, sender, choices)
            line = (await asyncio.to_thread(input, "Vous › ")).strip()
            if line in QUIT:
                click.echo("À bientôt !")
                return
            if not line:
                continue
            if line.startswith(AGENT):
                await _as_agent(engine, sessions, sender, line.removeprefix(AGENT).strip())
            elif (event := _event(line, choices, settings)) is not None:
                await engine.handle(sender, event)
            choices = await _show(sessions, sender, choices)


async def _shop_loaded(sessions: async_sessionmaker[AsyncSession]) -> bool:
    async with sessions() as session:
        return (await session.execute(select(ShopSettings.id).limit(1))).first() is not None


async def _offer_demo(sessions: async_sessionmaker[AsyncSession]) -> None:
    answer = await asyncio.to_thread(
        input, "La base est vide. Charger la boutique de démonstration « Maison Lumière » ? [O/n] "
    )
    if answer.strip().lower() not in ("", "o", "oui", "y", "yes"):
        raise CommandError(
            "aucune boutique chargée : importez vos données (returnbot import …) "
            "ou la démo (returnbot demo load)."
        )
    reports = await load_demo(sessions, date.today())
    if not all(report.ok for report in reports):
        raise CommandError("la boutique de démonstration n'a pas pu être chargée.")
    click.echo(
        "Boutique de démonstration chargée. Numéros de suivi pour essayer : "
        "6A15602676300 (code postal 69003), LX123456785CN (35000), RR123456785ES (31000).\n"
    )


def _event(line: str, choices: list[list[str]], settings: Settings) -> Event | None:
    """A numbered choice, a photo, or typed text (None: nothing to send)."""
    if line.isdigit() and 1 <= int(line) <= len(choices):
        return ChoiceIn(choices[int(line) - 1][0])
    if line.startswith("/photo"):
        path = Path(line.removeprefix("/photo").strip()).expanduser()
        if not path.is_file():
            click.echo(f"(« {path} » : fichier introuvable, rien n'a été envoyé)")
            return None
        try:
            stored = store_photo(path.read_bytes(), settings.photos_dir)
        except (OSError, NotAnImage):
            click.echo(f"(« {path} » n'est pas une image lisible : envoyé comme fichier inconnu)")
            return UnsupportedIn("file")
        return PhotoIn(str(stored.sha256), str(stored.path), stored.perceptual_hash)
    return TextIn(line)


async def _as_agent(
    engine: ConversationEngine,
    sessions: async_sessionmaker[AsyncSession],
    sender: Sender,
    text: str,
) -> None:
    """An agent's message or command in the customer's topic, as in the agents' group."""
    if not text:
        click.echo(
            f"(écrivez {AGENT} suivi du message ou de la commande, par exemple {AGENT} /dossier)"
        )
        return
    async with sessions() as session, session.begin():
        topic = await _topic(session, sender)
        if topic is None:
            click.echo("(aucun dossier suivi par un conseiller pour ce client pour l'instant)")
            return
        message = AgentMessage(0, AGENT_NAME, topic.message_thread_id, 0, text, has_media=False)
        await handle_agent_message(
            session, engine, message, agent_chat_id=CONSOLE_DESK, now=datetime.now(UTC)
        )


async def _topic(session: AsyncSession, sender: Sender) -> AgentTopic | None:
    customer_id = await session.scalar(
        select(Customer.id).where(
            Customer.channel == sender.channel, Customer.external_id == sender.external_id
        )
    )
    if customer_id is None:
        return None
    return await session.scalar(select(AgentTopic).where(AgentTopic.customer_id == customer_id))


async def _show(
    sessions: async_sessionmaker[AsyncSession], sender: Sender, choices: list[list[str]]
) -> list[list[str]]:
    """Prints what is waiting for the customer and for the console's agents; the last choices."""
    async with sessions() as session, session.begin():
        topic = await _topic(session, sender)
        rows = list(
            await session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.sent_at.is_(None),
                    ((OutboxMessage.channel == CHANNEL) & (OutboxMessage.chat_id == sender.chat_id))
                    | (OutboxMessage.channel == CONSOLE_DESK_CHANNEL),
                )
                .order_by(OutboxMessage.id)
            )
        )
        rows = [row for row in rows if row.channel == CHANNEL or _in(row, topic)]
        for row in rows:
            if row.channel == CONSOLE_DESK_CHANNEL:
                click.echo(_shown_to_agents(row.payload))
                await _open_topic(session, row)
                continue
            click.echo(_shown(row.payload))
            choices = list(row.payload.get("choices") or []) or choices
        if rows:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([row.id for row in rows]))
                .values(sent_at=datetime.now(UTC))
            )
    return choices


def _in(row: OutboxMessage, topic: AgentTopic | None) -> bool:
    return topic is not None and row.payload.get("topic_id") == topic.id


async def _open_topic(session: AsyncSession, row: OutboxMessage) -> None:
    """The console's topics are "opened" as they are first shown: the agents can act in them."""
    topic = await session.get(AgentTopic, int(row.payload.get("topic_id") or 0))
    if topic is not None and topic.message_thread_id is None:
        topic.message_thread_id = topic.id


def _plain(text: str) -> str:
    return html.unescape(re.sub(r"</?[a-z]+>", "", text))


def _shown(message: dict[str, Any]) -> str:
    text = _plain(str(message.get("text") or ""))
    lines = [f"Boutique › {text}".replace("\n", "\n           ")]
    if message.get("document"):
        lines.append(f"           (pièce jointe : {message['document']})")
    lines += [f"    {number}. {label}" for number, (_, label) in enumerate(message["choices"], 1)]
    return "\n".join(lines) + "\n"


def _shown_to_agents(payload: dict[str, Any]) -> str:
    text = _plain(str(payload.get("text") or ""))
    if payload.get("photos"):
        text = f"{text} ({counted(len(payload['photos']), 'photo', 'photos')})".strip()
    if payload.get("kind") == "relay":
        text = f"Le client écrit : {text}"
    return f"  [Conseillers] {text}".replace("\n", "\n               ") + "\n"
