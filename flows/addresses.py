"""The return address as a customer reads it, and the supplier names that must never be in it.

A stored return address is the supplier's, written as the supplier gave it (« Nordlicht Retouren,
Hafenstraße 12, … »). The customer sends the parcel to the shop: the addressee is always the shop's
(`messages/fr/_return_address.j2` writes that line), and only the lines the parcel needs to arrive
are kept from the stored address (`delivery_lines`):

- the first line is the addressee (a company, a department, a person) when it carries no digit: a
  street line has a number (« 12 rue des Entrepôts », « Hafenstraße 12 », « BP 40 »), an addressee
  line has none (« Nordlicht Retouren », « Service retours MLH »); it is dropped;
- any other line without a digit that names the supplier (« z. Hd. Nordlicht GmbH ») is dropped too;
- everything else stays as it is: street, postcode, city, country.

A name inside a street line stays (the parcel must arrive): `names_in` lets the import and
`/politique` tell the shop owner, who can rewrite the address.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Final

# Words of a company's legal form: « Lumina Home Ltd » is named by « Lumina Home » too.
_LEGAL_FORMS: Final = frozenset({
    "ltd", "limited", "llc", "inc", "corp", "co", "company", "plc", "gmbh", "ag", "kg", "sa", "sas",
    "sasu", "sarl", "eurl", "sl", "slu", "srl", "spa", "bv", "nv", "oy", "ab", "aps",
})  # fmt: skip
_WORD: Final = re.compile(r"[a-z0-9]+")


def delivery_lines(address: str, supplier_names: Iterable[str] = ()) -> tuple[str, ...]:
    """The lines of `address` the parcel needs, without its addressee (see the module's rules)."""
    lines = [line.strip() for line in address.splitlines() if line.strip()]
    if lines and not _has_digit(lines[0]):
        lines = lines[1:]
    names = tuple(supplier_names)
    return tuple(line for line in lines if _has_digit(line) or not names_in(line, names))


def names_in(text: str, names: Iterable[str]) -> tuple[str, ...]:
    """The names of `names` that `text` contains as whole words, whatever the case and accents.

    A name is also found without its legal form (« Lumina Home » for « Lumina Home Ltd »), and a
    code such as « shenzhen-gadgets » as « Shenzhen Gadgets »."""
    words = f" {' '.join(_words(text))} "
    found: list[str] = []
    for name in names:
        wanted = _significant(_words(name))
        if wanted and f" {' '.join(wanted)} " in words and name not in found:
            found.append(name)
    return tuple(found)


def _words(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text.casefold().replace("ß", "ss"))
    return _WORD.findall("".join(c for c in plain if not unicodedata.combining(c)))


def _significant(words: list[str]) -> list[str]:
    """The name without the legal form at its end (« shenzhen gadgets co » → « shenzhen gadgets »)."""
    kept = list(words)
    while len(kept) > 1 and kept[-1] in _LEGAL_FORMS:
        kept.pop()
    return kept


def _has_digit(line: str) -> bool:
    return any(c.isdigit() for c in line)
