"""Parsing the values a shop's files hold: amounts, dates, times, booleans. Errors are French."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation


class BadValue(ValueError):
    """A value that cannot be read; the message says which column and what was expected."""


_DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z", "%Y-%m-%dT%H:%M:%S%z")


def amount(column: str, text: str, *, required: bool = False) -> Decimal | None:
    """`34.90` -> Decimal('34.90'); an empty cell is None unless required."""
    given = text.strip()  # as the file has it, for the message
    text = given.replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if "," in text and "." not in text:  # « 24,90 », as French Excel writes it
        text = text.replace(",", ".")
    if not text:
        if required:
            raise BadValue(f"{column} est vide (montant attendu, par exemple 24.90)")
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BadValue(f"{column} « {given} » n'est pas un montant (exemple : 24.90)") from None
    if not value.is_finite() or value < 0:
        raise BadValue(f"{column} « {given} » n'est pas un montant positif")
    return value.quantize(Decimal("0.01"))


def moment(column: str, text: str) -> datetime | None:
    """`2026-10-02 10:14:03 +0200` -> an aware datetime; an empty cell is None."""
    text = text.strip()
    if not text:
        return None
    head, _, offset = text.rpartition(" ")
    if offset[:1] in "+-" and head:  # Shopify's "2026-10-02 10:14:03 +0200", the fast common case
        try:
            return datetime.fromisoformat(head + offset)
        except ValueError:
            pass
    for fmt in _DATETIME_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise BadValue(
            f"{column} « {text} » n'est pas une date avec fuseau (exemple : 2026-10-02 10:14:03 +0200)"
        )
    return value


def day(column: str, text: str) -> date | None:
    """`2026-10-07` (or a date-time with offset) -> a date; an empty cell is None."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        found = moment(column, text)
    except BadValue:
        found = None
    if found is None:
        raise BadValue(f"{column} « {text} » n'est pas une date (exemple : 2026-10-07)")
    return found.date()


def yes_no(column: str, text: str, *, empty: bool = True) -> bool:
    """`true` / `false` as Shopify writes them (also `oui` / `non`, `1` / `0`); an empty cell: `empty`."""
    text = text.strip().lower()
    if not text:
        return empty
    if text in ("true", "vrai", "oui", "yes", "1"):
        return True
    if text in ("false", "faux", "non", "no", "0"):
        return False
    raise BadValue(f"{column} « {text} » n'est ni true ni false")


def quantity(column: str, text: str) -> int:
    text = text.strip() or "1"
    if not text.isdigit() or int(text) < 1:
        raise BadValue(f"{column} « {text} » n'est pas une quantité (entier positif)")
    return int(text)
