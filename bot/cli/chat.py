"""`returnbot chat`: the conversation in the terminal, through the same engine as Telegram."""

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

from bot.cli.french import CommandError, FrenchCommand
from bot.config import Settings, settings_or_exit
from bot.conversation import (
    ChoiceIn,
    ConversationEngine,
    Event,
    Outcome,
    PhotoIn,
    Sender,
    TextIn,
    UnsupportedIn,
)
from bot.demo import load_demo
from bot.photos import NotAnImage, store_photo
from bot.storage.database import open_database
from bot.storage.migrate import upgrade_database
from bot.storage.models import OutboxMessage, ShopSettings

QUIT = ("/quitter", "/exit", "/quit")


@click.command(cls=FrenchCommand, help="Discute avec le bot dans le terminal, comme un client.")
@click.option(
    "--client",
    "client",
    default="client",
    show_default=True,
    help="Le client que vous incarnez (chaque nom a sa propre conversation).",
)
def chat(client: str) -> None:
    settings = settings_or_exit()
    try:
        asyncio.run(_chat(settings, client.strip() or "client"))
    except (KeyboardInterrupt, EOFError):
        click.echo("\nÀ bientôt !")


async def _chat(settings: Settings, client: str) -> None:
    await upgrade_database(settings.database_url)
    async with open_database(settings.database_url) as sessions:
        if not await _shop_loaded(sessions):
            await _offer_demo(sessions)
        engine = ConversationEngine(sessions)
        sender = Sender("console", client, client, client.capitalize())
        click.echo(
            f"Vous êtes « {client} ». Écrivez comme un client ; un numéro choisit un bouton ; "
            "/photo CHEMIN envoie une image ; /quitter pour sortir.\n"
        )
        choices = await _send(engine, sessions, sender, TextIn("/start"))
        while True:
            line = (await asyncio.to_thread(input, "Vous › ")).strip()
            if line in QUIT:
                click.echo("À bientôt !")
                return
            if not line:
                continue
            choices = await _send(engine, sessions, sender, _event(line, choices, settings))


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


def _event(line: str, choices: list[list[str]], settings: Settings) -> Event:
    """A numbered choice, a photo, or typed text."""
    if line.isdigit() and 1 <= int(line) <= len(choices):
        return ChoiceIn(choices[int(line) - 1][0])
    if line.startswith("/photo"):
        path = Path(line.removeprefix("/photo").strip()).expanduser()
        try:
            stored = store_photo(path.read_bytes(), settings.photos_dir)
        except (OSError, NotAnImage):
            click.echo(f"(« {path} » n'est pas une image lisible : envoyé comme fichier inconnu)")
            return UnsupportedIn("file")
        return PhotoIn(str(stored.sha256), str(stored.path), stored.perceptual_hash)
    return TextIn(line)


async def _send(
    engine: ConversationEngine,
    sessions: async_sessionmaker[AsyncSession],
    sender: Sender,
    event: Event,
) -> list[list[str]]:
    """Hands the event to the engine, prints the replies, marks them sent; returns the last choices."""
    outcome = await engine.handle(sender, event)
    choices: list[list[str]] = []
    for message in outcome.messages:
        click.echo(_shown(message))
        choices = list(message["choices"]) or choices
    await _mark_sent(sessions, outcome)
    return choices


def _shown(message: dict[str, Any]) -> str:
    text = html.unescape(re.sub(r"</?[a-z]+>", "", str(message["text"])))
    lines = [f"Boutique › {text}".replace("\n", "\n           ")]
    lines += [f"    {number}. {label}" for number, (_, label) in enumerate(message["choices"], 1)]
    return "\n".join(lines) + "\n"


async def _mark_sent(sessions: async_sessionmaker[AsyncSession], outcome: Outcome) -> None:
    if not outcome.outbox_ids:
        return
    async with sessions() as session, session.begin():
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(outcome.outbox_ids))
            .values(sent_at=datetime.now(UTC))
        )
