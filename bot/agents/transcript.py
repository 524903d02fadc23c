"""The conversation so far, for the agents who take a case over: the customer's own words, their
photos and the bot's questions, in order, so that nobody asks the customer again.

Read from the engine's transcript entries (one per customer's event, with the bot's answers) and
posted in the topic under the case card. A long conversation keeps its start and its last
exchanges, « … » between; each bot message is cut to its first words (the question is what an
agent needs), the customer's words are kept whole up to a generous limit. French, for the shop.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import ReturnCase, TranscriptEntry
from messages import counted

HEAD: Final = 2  # exchanges kept from the start of a long conversation
TAIL: Final = 12  # and from its end
SAID_LIMIT: Final = 800  # characters of one customer's message
REPLY_LIMIT: Final = 160  # characters of one of the bot's messages
TITLE: Final = "<b>La conversation jusqu'ici</b>"
_TAG: Final = re.compile(r"<[^>]+>")


async def case_entries(session: AsyncSession, case: ReturnCase) -> list[TranscriptEntry]:
    """The case's exchanges, after those of its conversation just before it was opened (the
    greeting, the first words), back to the previous case's."""
    rows = list(
        await session.scalars(
            select(TranscriptEntry)
            .where(TranscriptEntry.case_id == case.id)
            .order_by(TranscriptEntry.id)
        )
    )
    if not rows:
        return []
    before = await session.scalars(
        select(TranscriptEntry)
        .where(
            TranscriptEntry.conversation_id == rows[0].conversation_id,
            TranscriptEntry.id < rows[0].id,
        )
        .order_by(TranscriptEntry.id.desc())
        .limit(HEAD + TAIL)
    )
    earlier: list[TranscriptEntry] = []
    for entry in before:
        if entry.case_id is not None:
            break
        earlier.append(entry)
    return [*reversed(earlier), *rows]


def conversation_so_far(entries: Sequence[TranscriptEntry]) -> str | None:
    """The exchanges as the agents read them (Telegram HTML), or None when there are none."""
    if not entries:
        return None
    lines = [TITLE]
    labels: dict[str, str] = {}  # the buttons last offered: a press reads as its label
    photos = 0
    skipped = len(entries) - HEAD - TAIL
    for index, entry in enumerate(entries):
        if entry.kind == "photo":
            photos += 1
        if skipped > 0 and HEAD <= index < HEAD + skipped:
            if index == HEAD:
                lines.append(
                    f"… ({counted(skipped, 'échange non affiché', 'échanges non affichés')}) …"
                )
        else:
            lines += _customer_line(entry, labels, photos)
            lines += [_bot_line(reply) for reply in entry.replies or ()]
        labels.update(
            (str(choice_id), str(label))
            for reply in entry.replies or ()
            for choice_id, label in reply.get("choices") or ()
        )
    return "\n".join(lines)


def _customer_line(entry: TranscriptEntry, labels: dict[str, str], photos: int) -> list[str]:
    if entry.kind == "text":
        return [f"👤 <b>Client</b> : {_e(_cut(entry.said, SAID_LIMIT))}"]
    if entry.kind == "choice":
        return [f"👤 <b>Client</b> : [{_e(labels.get(entry.said, entry.said))}]"]
    if entry.kind == "photo":
        return [f"👤 <b>Client</b> : 📷 photo {photos}"]
    if entry.kind == "unsupported":
        return [f"👤 <b>Client</b> : <i>(contenu non pris en charge : {_e(entry.said)})</i>"]
    return []


def _bot_line(reply: dict[str, Any]) -> str:
    text = html.unescape(_TAG.sub("", str(reply.get("text") or "")))
    return f"🤖 Bot : {_e(_cut(' '.join(text.split()), REPLY_LIMIT))}"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _e(value: str) -> str:
    return html.escape(value, quote=False)
