"""Every word a customer reads: the French templates under `messages/fr/` and how they are rendered.

Jinja2 with autoescape (Telegram's HTML mode: whatever a customer typed is escaped) and
StrictUndefined (a missing value is a bug, never an empty string). Dates and amounts go through
Babel: « lundi 30 novembre 2026 », « 24,90 € », times in Europe/Paris.

`messages/supplier/<fr|en>/` holds what the shop writes to a supplier (plain-text e-mails); no
customer ever reads those.
"""

from __future__ import annotations

import html
import tomllib
import unicodedata
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
from markupsafe import Markup

from flows.addresses import delivery_lines

LOCALE: Final = "fr_FR"
PARIS: Final = ZoneInfo("Europe/Paris")
TELEGRAM_LIMIT: Final = 4096  # characters in one message (longer ones are sent in pieces)


def day(value: date) -> str:
    """« lundi 30 novembre 2026 », « vendredi 1er janvier 2027 »."""
    if value.day == 1:
        return format_date(value, "EEEE '1er' MMMM y", locale=LOCALE)
    return format_date(value, "EEEE d MMMM y", locale=LOCALE)


def moment(value: datetime) -> str:
    """« lundi 30 novembre 2026 à 14:05 », in Paris time (« 1er » on the first of the month)."""
    pattern = "EEEE '1er' MMMM y 'à' HH:mm" if value.astimezone(PARIS).day == 1 else None
    return format_datetime(value, pattern or "EEEE d MMMM y 'à' HH:mm", tzinfo=PARIS, locale=LOCALE)


def of_name(name: str) -> Markup:
    """« de « T-shirt » », « d'« Écouteurs » »: the name quoted after « de », elided before a vowel."""
    elided = unicodedata.normalize("NFKD", name.strip()[:1]).lower()[:1] in _VOWELS
    return Markup("d'« {} »" if elided else "de « {} »").format(name)


_VOWELS: Final = frozenset("aeiouy")


def _delivery_lines(address: str, supplier_code: str = "") -> tuple[str, ...]:
    """The stored return address without its addressee, and without a line naming the supplier."""
    return delivery_lines(address, (supplier_code,) if supplier_code else ())


def counted(count: int, one: str, many: str) -> str:
    """« 1 photo », « 3 photos », « 0 retour » (French: 0 and 1 take the singular)."""
    return f"{count} {one if count <= 1 else many}"


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
    env.filters.update(
        day=day, moment=moment, euros=euros, of_name=of_name, delivery_lines=_delivery_lines
    )
    return env


def template_names() -> list[str]:
    """Every message template (without the `.j2`); `_name.j2` files hold macros the others import."""
    names = environment().list_templates(["j2"])
    return sorted(name.removesuffix(".j2") for name in names if not name.startswith("_"))


def compile_all() -> int:
    """Compiles every template now (at start-up), not while the first customers wait; how many."""
    env = environment()
    names = env.list_templates(["j2"])
    for name in names:
        env.get_template(name)
    return len(names)


def addressee(shop_name: str) -> str:
    """The addressee line of every return address a customer reads (plain text)."""
    module = environment().get_template("_return_address.j2").module
    return html.unescape(str(module.addressee(shop_name)))  # type: ignore[attr-defined]


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


# What the supplier's request says of the reason and the outcome, in its language.
_SUPPLIER_WORDS: Final[dict[str, dict[str, str]]] = {
    "fr": {
        "size_color": "taille ou couleur ne convenant pas",
        "changed_mind": "rétractation du client",
        "not_as_described": "article non conforme à la description",
        "wrong_item": "article livré différent de l'article commandé",
        "damaged": "article arrivé endommagé",
        "defective": "article défectueux",
        "not_received": "colis non reçu",
        "exchange": "échange (retour puis nouvel article)",
        "keep_and_replace": "le client garde l'article, un nouvel article lui est envoyé",
        "refund": "remboursement",
    },
    "en": {
        "size_color": "wrong size or colour",
        "changed_mind": "customer's withdrawal",
        "not_as_described": "item not as described",
        "wrong_item": "wrong item delivered",
        "damaged": "item arrived damaged",
        "defective": "item defective",
        "not_received": "parcel not received",
        "exchange": "exchange (return, then a new item)",
        "keep_and_replace": "the customer keeps the item and gets a new one",
        "refund": "refund",
    },
}


@cache
def _supplier_environment() -> Environment:
    env = Environment(
        loader=PackageLoader("messages", "supplier"),
        autoescape=False,  # plain-text e-mails
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        keep_trailing_newline=True,
    )
    words = _SUPPLIER_WORDS
    env.filters.update(
        day=day,
        euros=euros,
        reason_words=lambda code, language: words[language].get(code, code),
        option_words=lambda code, language: words[language].get(code, code),
    )
    return env


def supplier_text(language: str, template: str, values: Mapping[str, Any]) -> str:
    """`messages/supplier/<language>/<template>.j2` as plain text."""
    return _supplier_environment().get_template(f"{language}/{template}.j2").render(values)


def supplier_template_names() -> list[str]:
    """Every supplier template, as `<language>/<name>`."""
    return sorted(
        name.removesuffix(".j2") for name in _supplier_environment().list_templates(["j2"])
    )
