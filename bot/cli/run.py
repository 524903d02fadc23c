"""`returnbot run`: the Telegram bot."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import click
from telegram.error import InvalidToken, NetworkError

from bot.cli.french import CommandError, FrenchCommand
from bot.cli.supervise import bot_command, supervise
from bot.config import settings_or_exit
from bot.storage.database import is_sqlite
from bot.telegram.app import serve

# Libraries that log at INFO every request, or every step of a state machine (lines per update).
CHATTY = ("httpx", "httpcore", "telegram", "tornado.access", "transitions")


def configure_logging(**options: Any) -> None:
    """The bot's log: INFO, without the libraries' chatter (`options`: more for `basicConfig`)."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s : %(message)s", **options
    )
    for chatty in CHATTY:
        logging.getLogger(chatty).setLevel(logging.WARNING)


@click.command(cls=FrenchCommand, help="Démarre le bot Telegram (arrêt propre avec Ctrl+C).")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Nombre de processus (PostgreSQL seulement) ; un processus arrêté est relancé.",
)
def run(workers: int) -> None:
    settings = settings_or_exit()
    if not settings.telegram_bot_token:
        raise CommandError(
            "TELEGRAM_BOT_TOKEN n'est pas défini : mettez le jeton donné par @BotFather dans "
            "le fichier .env (TELEGRAM_BOT_TOKEN=123456789:ABC…). "
            "Pour essayer sans Telegram : returnbot chat"
        )
    if workers > 1:
        if is_sqlite(settings.database_url):
            raise CommandError(
                "plusieurs processus (--workers) demandent PostgreSQL : définissez "
                "DATABASE_URL=postgresql://utilisateur:motdepasse@hôte:5432/base dans le fichier .env"
            )
        click.echo(f"Bot Telegram démarré ({workers} processus). Ctrl+C pour l'arrêter.", err=True)
        raise SystemExit(supervise(workers, bot_command()))
    configure_logging()
    mode = "webhook " + settings.webhook_url if settings.webhook_url else "long polling"
    click.echo(f"Bot Telegram démarré ({mode}). Ctrl+C pour l'arrêter.", err=True)
    try:
        asyncio.run(serve(settings))
    except InvalidToken:
        raise CommandError(
            "Telegram refuse le jeton TELEGRAM_BOT_TOKEN : vérifiez-le auprès de @BotFather."
        ) from None
    except NetworkError as error:
        raise CommandError(
            f"impossible de joindre Telegram ({settings.telegram_api_base_url}) : {error.message}"
        ) from None
    click.echo("Bot arrêté.", err=True)
