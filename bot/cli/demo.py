"""`returnbot demo …`: the example shop."""

from __future__ import annotations

import asyncio
from datetime import date, datetime

import click

from bot.cli.french import FrenchCommand, FrenchGroup
from bot.config import Settings, settings_or_exit
from bot.demo import load_demo
from bot.importers import ImportReport
from bot.storage.database import open_database
from bot.storage.migrate import upgrade_database


@click.group(cls=FrenchGroup, help="Boutique de démonstration.")
def demo() -> None:
    """Demo commands."""


@demo.command(
    "load",
    cls=FrenchCommand,
    help="Charge la boutique de démonstration, dates décalées pour que la dernière livraison date d'hier.",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Date du jour à utiliser (AAAA-MM-JJ) ; par défaut aujourd'hui.",
)
def load(today: datetime | None) -> None:
    settings = settings_or_exit()
    day = today.date() if today is not None else date.today()
    reports = asyncio.run(_load(settings, day))
    for report in reports:
        for line in report.lines():
            click.echo(line)
    if not all(report.ok for report in reports):
        raise SystemExit(1)
    click.echo("Boutique de démonstration prête : la dernière livraison date d'hier.")


async def _load(settings: Settings, today: date) -> list[ImportReport]:
    await upgrade_database(settings.database_url)
    async with open_database(settings.database_url) as sessions:
        return await load_demo(sessions, today)
