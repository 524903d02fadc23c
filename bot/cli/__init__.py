"""The `returnbot` command line, in French."""

from __future__ import annotations

import re

import click

from bot import __version__
from bot.cli.chat import chat
from bot.cli.db import db
from bot.cli.decide import decide
from bot.cli.demo import demo
from bot.cli.french import FrenchGroup
from bot.cli.imports import import_group
from bot.cli.run import run


@click.group(
    cls=FrenchGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="returnbot : le bot qui gère les retours de votre boutique, avec le sourire.",
)
@click.version_option(
    __version__,
    "--version",
    prog_name="returnbot",
    message="%(prog)s %(version)s",
    help="Affiche la version et quitte.",
)
def cli() -> None:
    """Entry group."""


for command in (run, chat, import_group, db, demo, decide):
    cli.add_command(command)


_USAGE_ERRORS = (
    (
        re.compile(r"No such command '(.+)'\. Did you mean '(.+)'\?"),
        "commande inconnue « {0} ». Vouliez-vous dire « {1} » ?",
    ),
    (re.compile(r"No such command '(.+)'\."), "commande inconnue « {0} »."),
    (
        re.compile(r"No such option '(.+)'\. Did you mean '(.+)'\?"),
        "option inconnue {0}. Vouliez-vous dire {1} ?",
    ),
    (re.compile(r"No such option:? '?([^']+)'?\.?"), "option inconnue {0}."),
    (re.compile(r"Missing argument '(.+)'\."), "argument manquant {0}."),
    (re.compile(r"Missing option '(.+)'\."), "option obligatoire manquante {0}."),
    (
        re.compile(r"Invalid value for (.+?): '(.*)' does not match the formats? '%Y-%m-%d'\."),
        "valeur invalide pour {0} : « {1} » n'est pas une date AAAA-MM-JJ.",
    ),
    (re.compile(r"Invalid value for (.+?): (.+)", re.S), "valeur invalide pour {0} : {1}"),
    (re.compile(r"Option '(.+)' requires an argument\."), "l'option {0} attend une valeur."),
    (re.compile(r"Got unexpected extra arguments? \((.+)\)"), "argument en trop : {0}."),
)


def _french_usage_error(message: str) -> str:
    for pattern, french in _USAGE_ERRORS:
        match = pattern.fullmatch(message)
        if match:
            return french.format(*match.groups())
    return message


def main() -> None:
    """Runs the command line; usage errors are explained in French, exit code 2."""
    try:
        cli.main(prog_name="returnbot", standalone_mode=False)
    except click.UsageError as error:
        if error.ctx is not None:
            click.echo(error.ctx.get_usage(), err=True)
            click.echo(f"Voir « {error.ctx.command_path} --help » pour l'aide.", err=True)
        click.echo(f"Erreur : {_french_usage_error(error.format_message())}", err=True)
        raise SystemExit(2) from None
    except click.ClickException as error:
        error.show()
        raise SystemExit(error.exit_code) from None
    except click.exceptions.Abort:
        click.echo("Interrompu.", err=True)
        raise SystemExit(130) from None
