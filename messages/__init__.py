"""Every word a customer reads: the French templates under `messages/fr/` and how they are rendered.

Jinja2 with autoescape (Telegram's HTML mode: whatever a customer typed is escaped) and
StrictUndefined (a missing value is a bug, never an empty string). Dates and amounts go through
Babel: « lundi 30 novembre 2026 », « 24,90 € », times in Europe/Paris.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib.resources import files
from typing import Any, Final
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from jinja2 import Environment, PackageLoader, StrictUndefined

LOCALE: Final = "fr_FR"
PARIS: Final = ZoneInfo("Europe/Paris")
TELEGRAM_LIMIT: Final = 4096  # characters in one message (longer ones are sent in pieces)


def day(value: date) -> str:
    """« lundi 30 novembre 2026 »."""
    return format_date(value, "EEEE d MMMM y", locale=LOCALE)


def moment(value: datetime) -> str:
    """« lundi 30 novembre 2026 à 14:05 », in Paris time."""
    return format_datetime(value, "EEEE d MMMM y 'à' HH:mm", tzinfo=PARIS, locale=LOCALE)


def euros(value: Decimal) -> str:
    """« 24,90 € » (Babel puts a narrow no-break space before the sign)."""
    return format_currency(value, "EUR", locale=LOCALE)


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("messages", "fr"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # the templates ship with the code: no need to stat them each render
    )
    env.filters.update(day=day, moment=moment, euros=euros)
    return env


def template_names() -> list[str]:
    """Every message template (without the `.j2`)."""
    return sorted(name.removesuffix(".j2") for name in environment().list_templates(["j2"]))


def render(template: str, values: Mapping[str, Any]) -> str:
    """The message `messages/fr/<template>.j2` as Telegram HTML, blank lines squeezed."""
    text = environment().get_template(f"{template}.j2").render(values)
    text = "\n".join(line.rstrip() for line in text.strip().splitlines())
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text


@cache
def _labels() -> dict[str, str]:
    data = (files("messages") / "fr" / "buttons.toml").read_text(encoding="utf-8")
    return dict(tomllib.loads(data))


def label_keys() -> list[str]:
    return sorted(_labels())


def button_label(label: str, values: Mapping[str, Any]) -> str:
    """A button's text (plain text, not HTML) from `messages/fr/buttons.toml`."""
    shown = {key: euros(v) if isinstance(v, Decimal) else v for key, v in values.items()}
    return _labels()[label].format(**shown)
