"""`returnbot demo …`: the example shop."""

from __future__ import annotations

import click

from bot.cli.french import FrenchGroup


@click.group(cls=FrenchGroup, help="Boutique de démonstration.")
def demo() -> None:
    """Demo commands."""
