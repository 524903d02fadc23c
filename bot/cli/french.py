"""Click commands whose help screens read in French."""

from __future__ import annotations

from typing import Any

import click

HELP_TEXT = "Affiche cette aide et quitte."


class _FrenchHelp:
    """Mixin: French section titles, usage prefix and help option."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = HELP_TEXT
        return option  # type: ignore[no-any-return]

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)  # type: ignore[attr-defined]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix="Utilisation : ")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        records = [
            record
            for param in self.get_params(ctx)  # type: ignore[attr-defined]
            if (record := param.get_help_record(ctx)) is not None
        ]
        if records:
            with formatter.section("Options"):
                formatter.write_dl(records)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)


class FrenchCommand(_FrenchHelp, click.Command):
    pass


class FrenchGroup(_FrenchHelp, click.Group):
    command_class = FrenchCommand

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.group_class = FrenchGroup

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            rows.append((name, command.get_short_help_str(limit=formatter.width - 20)))
        if rows:
            with formatter.section("Commandes"):
                formatter.write_dl(rows)


class CommandError(click.ClickException):
    """A French error for the shop owner: one line on standard error, exit code 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"Erreur : {self.format_message()}", err=True)
