"""`returnbot run`: the Telegram bot."""

from __future__ import annotations

import click

from bot.cli.french import CommandError, FrenchCommand


@click.command(cls=FrenchCommand, help="Démarre le bot Telegram.")
def run() -> None:
    raise CommandError(
        "Le bot Telegram n'est pas encore disponible dans cette version. "
        "Vous pouvez déjà importer vos données (returnbot import …) et charger la démo (returnbot demo load)."
    )
