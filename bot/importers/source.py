"""Reading an uploaded file: bytes to text, CSV rows with their line numbers, kind detection."""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from bot.importers.report import FileRejected

ORDERS_MARKERS = frozenset({"Name", "Lineitem name", "Lineitem price"})
SHIPMENTS_MARKERS = frozenset({"order", "tracking_number"})
_T = TypeVar("_T")


def decode(data: bytes) -> str:
    """UTF-8 text, with or without BOM; an empty or binary file is refused in French."""
    if not data.strip():
        raise FileRejected("le fichier est vide.")
    if b"\x00" in data[:4096]:
        raise FileRejected("ce n'est pas un fichier texte (CSV ou TOML attendu).")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileRejected(
            f"le fichier n'est pas encodé en UTF-8 (octet invalide en position {error.start}). "
            "Réenregistrez-le en UTF-8."
        ) from None


@dataclass(frozen=True)
class CsvRow:
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return (self.values.get(column) or "").strip()


class CsvTable:
    """A CSV file read by header name: columns may come in any order, unknown ones are ignored."""

    def __init__(self, text: str, required: frozenset[str], what: str) -> None:
        self._reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text))
        try:
            header = next(self._reader)
        except (StopIteration, csv.Error):
            raise FileRejected("le fichier est vide.") from None
        self.columns = [name.strip() for name in header]
        missing = sorted(required - set(self.columns))
        if missing:
            raise FileRejected(
                f"ce fichier n'est pas {what} : colonne(s) manquante(s) {', '.join(missing)}."
            )

    def has(self, column: str) -> bool:
        return column in self.columns

    def rows(self) -> Iterator[CsvRow]:
        line = 1
        try:
            for record in self._reader:
                start = line + 1
                line = self._reader.line_num
                if not any(cell.strip() for cell in record):
                    continue
                yield CsvRow(start, dict(zip(self.columns, record, strict=False)))
        except csv.Error as error:
            raise FileRejected(f"CSV illisible vers la ligne {line + 1} : {error}.") from None


def delimiter(text: str) -> str:
    """« , » as Shopify writes, or « ; » as French Excel saves a CSV (read from the header line)."""
    header = text.lstrip().split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def detect_kind(data: bytes) -> str | None:
    """Which import a file is for ("orders", "shipments", "suppliers"), from its content."""
    try:
        text = decode(data)
    except FileRejected:
        return None
    first_line = text.lstrip().split("\n", 1)[0]
    cells = next(csv.reader([first_line], delimiter=delimiter(text)), [])
    header = {cell.strip() for cell in cells}
    if header >= ORDERS_MARKERS:
        return "orders"
    if header >= SHIPMENTS_MARKERS:
        return "shipments"
    try:
        document = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):  # nested too deep for the parser
        return None
    return "suppliers" if "suppliers" in document or "shop" in document else None


def chunks(items: list[_T], size: int = 500) -> Iterable[list[_T]]:
    """Slices for IN (...) lists and bulk inserts that stay under every database's parameter limit."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
