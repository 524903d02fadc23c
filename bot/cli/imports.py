"""`returnbot import …`: the shop's data as it already has it."""

from __future__ import annotations

import click

from bot.cli.french import FrenchGroup


@click.group("import", cls=FrenchGroup, help="Importe les données de la boutique.")
def import_group() -> None:
    """Import commands."""
