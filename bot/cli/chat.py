"""`returnbot chat`: the conversation in the terminal."""

from __future__ import annotations

import click

from bot.cli.french import CommandError, FrenchCommand


@click.command(cls=FrenchCommand, help="Discute avec le bot dans le terminal, comme un client.")
def chat() -> None:
    raise CommandError(
        "La conversation dans le terminal n'est pas encore disponible dans cette version."
    )
