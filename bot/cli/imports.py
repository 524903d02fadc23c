"""`returnbot import …`: the shop's data as it already has it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from bot.cases.effects import effects_for
from bot.cases.lifecycle import Lifecycle
from bot.cli.french import CommandError, FrenchCommand, FrenchGroup
from bot.config import Settings, settings_or_exit
from bot.importers import ImportReport, run_import
from bot.storage.database import open_database
from bot.storage.migrate import upgrade_database

_PROGRESS_FROM_LINES = 2000
_STRICT_HELP = "N'importe rien si une seule ligne est rejetée."


@click.group("import", cls=FrenchGroup, help="Importe les données de la boutique.")
def import_group() -> None:
    """Import commands."""


@import_group.command(
    "suppliers",
    cls=FrenchCommand,
    help="Importe les réglages de la boutique, les fournisseurs et les produits (fichier TOML).",
)
@click.argument("file", metavar="FICHIER.toml", type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help=_STRICT_HELP)
def suppliers(file: Path, strict: bool) -> None:
    _import("suppliers", file, strict)


@import_group.command(
    "orders", cls=FrenchCommand, help="Importe l'export des commandes de Shopify (fichier CSV)."
)
@click.argument("file", metavar="FICHIER.csv", type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help=_STRICT_HELP)
def orders(file: Path, strict: bool) -> None:
    _import("orders", file, strict)


@import_group.command(
    "shipments",
    cls=FrenchCommand,
    help="Importe les expéditions : order,tracking_number,carrier,shipped_at,delivered_at,skus (CSV).",
)
@click.argument("file", metavar="FICHIER.csv", type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help=_STRICT_HELP)
def shipments(file: Path, strict: bool) -> None:
    _import("shipments", file, strict)


def _import(kind: str, file: Path, strict: bool) -> None:
    settings = settings_or_exit()
    data = read_file(file)
    report = asyncio.run(_run(settings, kind, data, strict))
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        raise SystemExit(1)


def read_file(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except FileNotFoundError:
        raise CommandError(f"fichier introuvable : {file}") from None
    except IsADirectoryError:
        raise CommandError(f"{file} est un dossier, pas un fichier") from None
    except OSError as error:
        raise CommandError(f"impossible de lire {file} : {error.strerror}") from None


async def _run(settings: Settings, kind: str, data: bytes, strict: bool) -> ImportReport:
    await upgrade_database(settings.database_url)
    total = data.count(b"\n")
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        transient=True,
        disable=total < _PROGRESS_FROM_LINES,
    ) as progress:
        task = progress.add_task("Lecture des lignes", total=total)
        async with open_database(settings.database_url) as sessions:
            return await run_import(
                sessions,
                kind,
                data,
                strict=strict,
                progress=lambda n: progress.advance(task, n),
                on_return=Lifecycle(effects_for(settings)).return_arrived,
            )
