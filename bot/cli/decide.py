"""`returnbot decide`: the decision for a case, for the shop owner to check a policy."""

from __future__ import annotations

import click

from bot.cli.french import CommandError, FrenchCommand


@click.command(cls=FrenchCommand, help="Montre la décision que prendrait le bot pour un cas.")
def decide() -> None:
    raise CommandError("La commande decide n'est pas encore disponible dans cette version.")
