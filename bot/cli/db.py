"""`returnbot db …`: the database's schema."""

from __future__ import annotations

import asyncio

import click

from bot.cli.french import FrenchGroup
from bot.config import settings_or_exit
from bot.storage.migrate import upgrade_database


@click.group(cls=FrenchGroup, help="Base de données.")
def db() -> None:
    """Database commands."""


@db.command(help="Met la base de données à jour (crée les tables si besoin).")
def upgrade() -> None:
    settings = settings_or_exit()
    asyncio.run(upgrade_database(settings.database_url))
    click.echo("Base de données à jour.")
