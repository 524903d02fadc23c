"""Merging the agents' group's rows: a burst of relays goes as one message, the order kept."""

from __future__ import annotations

from typing import Any

from bot.storage.models import OutboxMessage
from bot.telegram.topics import forum_title, merged


def row(row_id: int, topic: int, kind: str = "relay", **payload: Any) -> OutboxMessage:
    return OutboxMessage(
        id=row_id,
        channel="agents",
        chat_id="-100",
        payload={"topic_id": topic, "kind": kind, **payload},
    )


def test_relays_of_one_topic_merge_until_another_kind_of_row() -> None:
    rows = [
        row(1, 1, text="a"),
        row(2, 2, text="other customer"),
        row(3, 1, text="b"),
        row(4, 1, photos=["x.jpg"]),
        row(5, 1, text="c"),
    ]

    assert [r.id for r in merged(rows)] == [1, 3]


def test_a_card_goes_alone_and_albums_stop_at_ten_photos() -> None:
    assert [r.id for r in merged([row(1, 1, "card", text="fiche"), row(2, 1, text="a")])] == [1]
    photos = [row(n, 1, photos=[f"{n}.jpg"]) for n in range(1, 13)]
    assert len(merged(photos)) == 10


def test_texts_merge_up_to_one_telegram_message() -> None:
    long = [row(n, 1, text="x" * 1000) for n in range(1, 10)]
    assert len(merged(long)) == 3


def test_a_topic_title_loses_the_direction_overrides_of_a_customer_name() -> None:
    name = "R-2026-000001 · \u202eellimaC\u202c · endommagé"
    assert forum_title(name) == "R-2026-000001 · ellimaC · endommagé"
    assert forum_title("Demande · \u2067Ali\u2069\u200f\x00") == "Demande · Ali"
    assert forum_title("Demande · 👨\u200d👩\u200d👧") == "Demande · 👨\u200d👩\u200d👧"
