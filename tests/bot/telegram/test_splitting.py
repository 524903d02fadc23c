"""Long texts in pieces: each within Telegram's limit, valid HTML, and nothing lost."""

from __future__ import annotations

import html
import re

from bot.telegram.splitting import CAPTION_LIMIT, split_html, units


def _visible(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", text))


def test_a_short_text_is_one_piece() -> None:
    assert split_html("<b>Bonjour</b> Camille") == ["<b>Bonjour</b> Camille"]


def test_pieces_fit_cut_at_spaces_keep_entities_whole_and_reopen_tags() -> None:
    text = "<b>Le client écrit :</b>\n<i>" + ("mot &amp; " * 900) + "😀" * 900 + "</i>"
    pieces = split_html(text, CAPTION_LIMIT)
    assert len(pieces) > 5 and all(units(piece) <= CAPTION_LIMIT for piece in pieces)
    assert "".join(_visible(piece) for piece in pieces) == _visible(text)
    assert all(piece.count("<i>") == piece.count("</i>") for piece in pieces)
    assert all(not re.search(r"&[#\w]*$", piece.removesuffix("</i>")) for piece in pieces)
    assert all(piece.removesuffix("</i>").endswith((" ", "😀")) for piece in pieces)
