"""`returnbot run`: the Telegram bot."""

from __future__ import annotations

import asyncio
import logging

import click
from telegram.error import InvalidToken, NetworkError

from bot.cli.french import CommandError, FrenchCommand
from bot.config import settings_or_exit
from bot.telegram.app import serve


@click.command(cls=FrenchCommand, help="Démarre le bot Telegram (arrêt propre avec Ctrl+C).")
def run() -> None:
    settings = settings_or_exit()
    if not settings.telegram_bot_token:
        raise CommandError(
            "TELEGRAM_BOT_TOKEN n'est pas défini : mettez le jeton donné par @BotFather dans "
            "le fichier .env (TELEGRAM_BOT_TOKEN=123456789:ABC…). "
            "Pour essayer sans Telegram : returnbot chat"
        )
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s : %(message)s"
    )
    for chatty in ("httpx", "httpcore", "telegram", "tornado.access"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
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
