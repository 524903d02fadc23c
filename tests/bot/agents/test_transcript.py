"""The conversation so far as the agents read it: in order, compact, the customer's words whole."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.agents.transcript import HEAD, REPLY_LIMIT, TAIL, conversation_so_far
from bot.storage.models import TranscriptEntry

AT = datetime(2026, 11, 5, 9, 30, tzinfo=UTC)


def entry(kind: str, said: str = "", *replies: dict[str, Any]) -> TranscriptEntry:
    return TranscriptEntry(
        conversation_id=1, case_id=1, at=AT, kind=kind, said=said, replies=list(replies)
    )


def bot(text: str, *choices: tuple[str, str]) -> dict[str, Any]:
    return {"text": text, "choices": [list(choice) for choice in choices]}


def test_nothing_said_yet_posts_nothing() -> None:
    assert conversation_so_far([]) is None


def test_a_pressed_button_reads_as_its_label_and_the_bots_html_as_plain_words() -> None:
    text = conversation_so_far(
        [
            entry("text", "cassé", bot("Des <b>photos</b> ?", ("photos:skip", "Passer"))),
            entry("choice", "photos:skip", bot("Merci.")),
            entry("unsupported", "sticker"),
        ]
    )

    assert text is not None
    assert text.splitlines()[1:] == [
        "👤 <b>Client</b> : cassé",
        "🤖 Bot : Des photos ?",
        "👤 <b>Client</b> : [Passer]",
        "🤖 Bot : Merci.",
        "👤 <b>Client</b> : <i>(contenu non pris en charge : sticker)</i>",
    ]


def test_a_long_conversation_keeps_its_start_and_its_last_exchanges() -> None:
    entries = [entry("text", f"message {n}", bot(f"question {n}")) for n in range(1, 41)]

    text = conversation_so_far(entries)

    assert text is not None
    kept = [n for n in range(1, 41) if f"message {n}\n" in text + "\n"]
    assert kept == [*range(1, HEAD + 1), *range(41 - TAIL, 41)]
    assert f"… ({40 - HEAD - TAIL} échanges non affichés) …" in text
    assert text.index("message 2\n") < text.index("…") < text.index("message 29\n")


def test_the_bot_is_cut_short_the_customer_is_not() -> None:
    words = "très " * 100

    text = conversation_so_far([entry("text", words.strip(), bot("Bonjour " * 100))])

    assert text is not None
    customer, said = text.splitlines()[1:]
    assert customer.endswith(words.strip())
    assert said.endswith("…") and len(said) <= len("🤖 Bot : ") + REPLY_LIMIT
