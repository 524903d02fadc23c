"""Building an e-mail from an outbox row: what a resend keeps, what each attachment is said to be."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.mail.message import MalformedEmail, build_message, mime_type
from bot.storage.models import OutboxMessage
from tests.conversation_helpers import jpeg

SENDER = "Ma Boutique <retours@boutique.fr>"
CREATED = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)


def _row(row_id: int, **payload: Any) -> OutboxMessage:
    values = {"to": "sav@fournisseur.example", "subject": "Retour", "text": "Bonjour"} | payload
    return OutboxMessage(
        id=row_id, channel="email", chat_id=values["to"], payload=values, created_at=CREATED
    )


def test_a_resent_row_keeps_its_message_id_and_another_row_gets_its_own(tmp_path: Path) -> None:
    first = build_message(_row(7), sender=SENDER, data_dir=tmp_path)
    again = build_message(_row(7), sender=SENDER, data_dir=tmp_path)
    other = build_message(_row(8), sender=SENDER, data_dir=tmp_path)
    assert (
        first["Message-ID"]
        == again["Message-ID"]
        == "<returnbot.outbox.7.20261203093000@boutique.fr>"
    )
    assert other["Message-ID"] != first["Message-ID"]


def test_a_subject_on_several_lines_is_sent_on_one(tmp_path: Path) -> None:
    message = build_message(
        _row(1, subject="Retour\r\nBcc: x@y.fr"), sender=SENDER, data_dir=tmp_path
    )
    assert message["Subject"] == "Retour Bcc: x@y.fr"
    assert message["Bcc"] is None


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("a.jpg", jpeg(), "image/jpeg"),
        ("sans-extension", jpeg(), "image/jpeg"),
        ("b.png", b"\x89PNG\r\n\x1a\n....", "image/png"),
        ("c.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"),
        ("etiquette.bin", b"%PDF-1.7\n", "application/pdf"),
        ("notes.txt", b"plain words", "text/plain"),
        ("inconnu", b"\x00\x01", "application/octet-stream"),
    ],
)
def test_an_attachment_type_comes_from_its_bytes_then_its_name(
    name: str, data: bytes, expected: str
) -> None:
    assert mime_type(name, data) == expected


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"to": "a@b.fr, c@d.fr"}, "to is not one e-mail address"),
        ({"reply_to": "pas une adresse"}, "reply_to is not one e-mail address"),
        ({"subject": "  "}, "no subject"),
        ({"text": None}, "no text"),
        ({"attachments": "photo.jpg"}, "attachments is not a list of paths"),
    ],
)
def test_a_payload_that_cannot_make_an_e_mail_says_why(
    tmp_path: Path, payload: dict[str, Any], reason: str
) -> None:
    with pytest.raises(MalformedEmail, match=reason):
        build_message(_row(1, **payload), sender=SENDER, data_dir=tmp_path)
