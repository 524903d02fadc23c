"""E-mails to suppliers: outbox rows reach a real SMTP server once, through outages and refusals."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.outbox import ABANDONED, OutboxWorker
from bot.channels.writes import WriteGate
from bot.config import SmtpSettings
from bot.mail.delivery import email_sender
from bot.mail.message import MISSING_NOTE, message_id
from bot.storage.models import OutboxMessage
from tests.bot.mail.conftest import SENDER
from tests.bot.mail.smtp_server import Mailbox, smtp_server
from tests.bot.telegram.fake_bot_api import eventually
from tests.conversation_helpers import jpeg

SUPPLIER = "sav@fournisseur.example"


def _request(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "to": SUPPLIER,
        "subject": "Demande d'autorisation de retour — commande #1042",
        "text": "Bonjour,\n\nNotre cliente souhaite retourner un article abîmé.\n",
        "attachments": [],
        "reply_to": None,
    }
    return {**payload, **changes}


async def _queue(sessions: async_sessionmaker[AsyncSession], payload: dict[str, Any]) -> int:
    async with sessions.begin() as session:
        row = OutboxMessage(channel="email", chat_id=payload["to"], payload=payload)
        session.add(row)
        await session.flush()
        return row.id


async def _row(sessions: async_sessionmaker[AsyncSession], row_id: int) -> OutboxMessage:
    async with sessions() as session:
        row = await session.get(OutboxMessage, row_id)
        assert row is not None
        return row


class Failures:
    """The worker's `on_failure` hook: what it was told, row by row."""

    def __init__(self) -> None:
        self.told: list[tuple[int, int, str | None]] = []

    async def __call__(self, row: OutboxMessage) -> None:
        self.told.append((row.id, row.attempts, row.last_error))


@asynccontextmanager
async def _sending(
    smtp: SmtpSettings,
    sessions: async_sessionmaker[AsyncSession],
    database_url: str,
    data_dir: Path,
    failures: Failures | None = None,
) -> AsyncIterator[OutboxWorker]:
    sender = email_sender(
        smtp,
        sessions,
        WriteGate(database_url),
        data_dir=data_dir,
        on_failure=failures,
        max_backoff=0.5,
    )
    task = asyncio.create_task(sender.run())
    try:
        yield sender
    finally:
        await sender.drain(grace=2)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _sent(sessions: async_sessionmaker[AsyncSession], row_id: int) -> bool:
    return (await _row(sessions, row_id)).sent_at is not None


async def _abandoned(sessions: async_sessionmaker[AsyncSession], row_id: int) -> bool:
    return ((await _row(sessions, row_id)).last_error or "").startswith(ABANDONED)


@pytest.mark.usefixtures("server")
async def test_a_request_with_two_photos_reaches_the_supplier_once_with_both(
    mailbox: Mailbox, smtp: SmtpSettings, sessions: async_sessionmaker[AsyncSession],
    database_url: str, tmp_path: Path,
) -> None:  # fmt: skip
    (tmp_path / "photos").mkdir()
    first, second = jpeg(40), jpeg(200)
    (tmp_path / "photos" / "carton.jpg").write_bytes(first)
    (tmp_path / "casse.jpg").write_bytes(second)
    row_id = await _queue(
        sessions,
        _request(
            attachments=["photos/carton.jpg", str(tmp_path / "casse.jpg")],
            reply_to="Camille Martin <camille@example.fr>",
        ),
    )
    async with _sending(smtp, sessions, database_url, tmp_path):
        await eventually(lambda: _sent(sessions, row_id))
    assert len(mailbox.received) == 1
    received = mailbox.received[0]
    assert (received.mail_from, received.rcpt_tos) == ("retours@boutique-demo.fr", [SUPPLIER])
    message = received.message
    assert message["Subject"] == "Demande d'autorisation de retour — commande #1042"
    assert message["To"] == SUPPLIER
    assert message["From"] == SENDER
    assert message["Reply-To"] == "Camille Martin <camille@example.fr>"
    assert message["Message-ID"] == message_id(await _row(sessions, row_id), SENDER)
    assert message["Date"]
    body = message.get_body(("plain",))
    assert body is not None
    assert body.get_content() == "Bonjour,\n\nNotre cliente souhaite retourner un article abîmé.\n"
    attachments = [
        (part.get_filename(), part.get_content_type(), part.get_content())
        for part in message.iter_attachments()
    ]
    assert attachments == [
        ("carton.jpg", "image/jpeg", first),
        ("casse.jpg", "image/jpeg", second),
    ]
    row = await _row(sessions, row_id)
    assert (row.attempts, row.last_error) == (0, None)


@pytest.mark.usefixtures("server")
async def test_a_missing_photo_is_named_at_the_end_and_the_request_still_goes(
    mailbox: Mailbox, smtp: SmtpSettings, sessions: async_sessionmaker[AsyncSession],
    database_url: str, tmp_path: Path,
) -> None:  # fmt: skip
    (tmp_path / "carton.jpg").write_bytes(jpeg())
    row_id = await _queue(sessions, _request(attachments=["carton.jpg", "photos/disparue.jpg"]))
    async with _sending(smtp, sessions, database_url, tmp_path):
        await eventually(lambda: _sent(sessions, row_id))
    (received,) = mailbox.received
    assert [part.get_filename() for part in received.message.iter_attachments()] == ["carton.jpg"]
    body = received.message.get_body(("plain",))
    assert body is not None
    assert body.get_content().endswith(f"abîmé.\n\n{MISSING_NOTE}\n- disparue.jpg\n")


async def test_with_the_server_down_the_request_waits_and_goes_once_when_it_is_back(
    mailbox: Mailbox, smtp: SmtpSettings, smtp_port: int,
    sessions: async_sessionmaker[AsyncSession], database_url: str, tmp_path: Path,
) -> None:  # fmt: skip
    failures = Failures()
    row_id = await _queue(sessions, _request())
    async with _sending(smtp, sessions, database_url, tmp_path, failures):
        await eventually(lambda: len(failures.told) >= 2)
        waiting = await _row(sessions, row_id)
        assert waiting.sent_at is None and waiting.attempts >= 2
        assert waiting.last_error and not waiting.last_error.startswith(ABANDONED)
        assert [(told_id, attempts) for told_id, attempts, _ in failures.told[:2]] == [
            (row_id, 1),
            (row_id, 2),
        ]
        controller = smtp_server(mailbox, smtp_port)
        await asyncio.to_thread(controller.start)
        try:
            await eventually(lambda: _sent(sessions, row_id))
        finally:
            await asyncio.to_thread(controller.stop)
    assert len(mailbox.received) == 1
    assert mailbox.received[0].rcpt_tos == [SUPPLIER]


@pytest.mark.usefixtures("server")
async def test_a_temporary_refusal_is_tried_again_and_the_request_goes(
    mailbox: Mailbox, smtp: SmtpSettings, sessions: async_sessionmaker[AsyncSession],
    database_url: str, tmp_path: Path,
) -> None:  # fmt: skip
    mailbox.refuse_rcpt = ["451 4.7.1 Greylisted, please try again later"]
    failures = Failures()
    row_id = await _queue(sessions, _request())
    async with _sending(smtp, sessions, database_url, tmp_path, failures):
        await eventually(lambda: _sent(sessions, row_id))
    assert len(mailbox.received) == 1
    ((told_id, attempts, error),) = failures.told
    assert (told_id, attempts) == (row_id, 1)
    assert error is not None and "451" in error and "Greylisted" in error


@pytest.mark.parametrize(
    ("refuse_rcpt", "refuse_data"),
    [
        (["550 5.1.1 No such user here"], []),
        ([], ["554 5.7.1 Message refused as spam"]),
    ],
    ids=["recipient", "message"],
)
@pytest.mark.usefixtures("server")
async def test_a_permanent_refusal_sets_the_request_aside_and_says_so(
    mailbox: Mailbox, smtp: SmtpSettings, sessions: async_sessionmaker[AsyncSession],
    database_url: str, tmp_path: Path, refuse_rcpt: list[str], refuse_data: list[str],
) -> None:  # fmt: skip
    mailbox.refuse_rcpt, mailbox.refuse_data = list(refuse_rcpt), list(refuse_data)
    failures = Failures()
    refused = await _queue(sessions, _request())
    async with _sending(smtp, sessions, database_url, tmp_path, failures) as sender:
        await eventually(lambda: _abandoned(sessions, refused))
        following = await _queue(sessions, _request(subject="Une autre demande"))
        sender.wake()
        await eventually(lambda: _sent(sessions, following))
    row = await _row(sessions, refused)
    assert row.sent_at is None and row.attempts == 1
    code = (refuse_rcpt or refuse_data)[0][:3]
    assert row.last_error is not None and code in row.last_error
    assert failures.told == [(refused, 1, row.last_error)]
    assert [r.message["Subject"] for r in mailbox.received] == ["Une autre demande"]


@pytest.mark.usefixtures("server")
async def test_a_request_without_a_valid_address_is_set_aside_without_connecting(
    mailbox: Mailbox, smtp: SmtpSettings, sessions: async_sessionmaker[AsyncSession],
    database_url: str, tmp_path: Path,
) -> None:  # fmt: skip
    failures = Failures()
    row_id = await _queue(sessions, _request(to="sav chez fournisseur"))
    async with _sending(smtp, sessions, database_url, tmp_path, failures):
        await eventually(lambda: _abandoned(sessions, row_id))
    row = await _row(sessions, row_id)
    assert (
        row.last_error
        == f"{ABANDONED}malformed e-mail: to is not one e-mail address: 'sav chez fournisseur'"
    )
    assert [told_id for told_id, _, _ in failures.told] == [row_id]
    assert mailbox.received == []


@pytest.mark.parametrize("security", ["starttls", "tls"])
@pytest.mark.usefixtures("server")
async def test_an_encrypted_connection_is_never_given_up_for_a_plain_one(
    mailbox: Mailbox, smtp: SmtpSettings, sessions: async_sessionmaker[AsyncSession],
    database_url: str, tmp_path: Path, security: str,
) -> None:  # fmt: skip
    """The test server speaks neither STARTTLS nor TLS: with either asked, nothing goes in clear
    (with `none`, as in the other tests, it goes)."""
    failures = Failures()
    row_id = await _queue(sessions, _request())
    encrypted = replace(smtp, security=security)  # type: ignore[arg-type]
    async with _sending(encrypted, sessions, database_url, tmp_path, failures):
        await eventually(lambda: len(failures.told) >= 2)
    row = await _row(sessions, row_id)
    assert row.sent_at is None and row.last_error and not row.last_error.startswith(ABANDONED)
    assert {"starttls": "STARTTLS", "tls": "SSL"}[security] in row.last_error
    assert mailbox.received == []


async def test_credentials_are_used_and_refused_ones_wait_for_the_right_ones(
    mailbox: Mailbox, smtp: SmtpSettings, smtp_port: int,
    sessions: async_sessionmaker[AsyncSession], database_url: str, tmp_path: Path,
) -> None:  # fmt: skip
    """A wrong password is the settings' fault, not the request's: it is kept until they are right."""
    controller = smtp_server(mailbox, smtp_port, account=("retours", "bon-mot-de-passe"))
    controller.start()
    try:
        failures = Failures()
        row_id = await _queue(sessions, _request())
        wrong = replace(smtp, username="retours", password="mauvais")
        async with _sending(wrong, sessions, database_url, tmp_path, failures):
            await eventually(lambda: len(failures.told) >= 2)
        row = await _row(sessions, row_id)
        assert row.last_error and "535" in row.last_error
        assert not row.last_error.startswith(ABANDONED)
        right = replace(smtp, username="retours", password="bon-mot-de-passe")
        async with _sending(right, sessions, database_url, tmp_path):
            await eventually(lambda: _sent(sessions, row_id))
    finally:
        controller.stop()
    assert [received.login for received in mailbox.received] == ["retours"]
