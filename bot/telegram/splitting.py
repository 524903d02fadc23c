"""Long texts in pieces Telegram accepts: 4096 characters a message, 1024 a caption.

Telegram counts UTF-16 code units of the text once its HTML is parsed; the pieces are measured on
the HTML itself, which is never shorter. A cut falls after a line break or a space where there is
one, never inside a tag or an entity, and the tags open at a cut are closed, then opened again.
"""

from __future__ import annotations

import re
from typing import Final

TEXT_LIMIT: Final = 4096
CAPTION_LIMIT: Final = 1024
_ATOM = re.compile(r"<(/?)([a-zA-Z-]+)[^<>]*>|&#?\w+;|.", re.S)


def units(text: str) -> int:
    """The length Telegram counts (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def split_html(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """`text` in pieces of at most `limit` units, each of them valid HTML on its own."""
    if units(text) <= limit:
        return [text]
    atoms = [(m.group(0), m.group(1), m.group(2)) for m in _ATOM.finditer(text)]
    pieces: list[str] = []
    opened: list[tuple[str, str]] = []  # (name, opening tag) open at the start of the piece
    start = 0
    while start < len(atoms):
        cut, opened_at_cut = _cut(atoms, start, opened, limit)
        body = "".join(atom for atom, _closing, _name in atoms[start:cut])
        prefix = "".join(tag for _name, tag in opened)
        closers = "".join(f"</{name}>" for name, _tag in reversed(opened_at_cut))
        pieces.append(prefix + body + closers)
        start, opened = cut, opened_at_cut
    return [piece for piece in pieces if piece.strip()]


def _cut(
    atoms: list[tuple[str, str, str]], start: int, opened: list[tuple[str, str]], limit: int
) -> tuple[int, list[tuple[str, str]]]:
    """Where the piece beginning at `start` ends, and the tags open there."""
    stack = list(opened)
    size = units("".join(tag for _name, tag in stack))
    best: tuple[int, list[tuple[str, str]]] | None = None
    index = start
    while index < len(atoms):
        atom, closing, name = atoms[index]
        after = list(stack)
        if name and closing:
            if after and after[-1][0].lower() == name.lower():
                after.pop()
        elif name:
            after.append((name, atom))
        closers = sum(len(n) + 3 for n, _tag in after)
        if size + units(atom) + closers > limit and index > start:
            break
        size += units(atom)
        stack = after
        index += 1
        if atom in ("\n", " "):
            best = (index, list(stack))
    if index < len(atoms) and best is not None and best[0] > start + (index - start) // 2:
        return best
    return index, stack
