"""An e-mail outbox row as the `EmailMessage` to send: headers, the plain-text body, the attachments.

The payload: `to` (the address), `subject`, `text` (the plain-text body), `attachments` (file paths,
absolute or relative to the data folder) and `reply_to` (an address or None). An attachment whose file
is gone is left out and named at the end of the body: the request still goes.
"""

from __future__ import annotations

import logging
import mimetypes
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from bot.mail.addresses import mailbox
from bot.storage.base import utcnow
from bot.storage.models import OutboxMessage

log = logging.getLogger(__name__)

# Said to the recipient, after the text, when files could not be attached.
MISSING_NOTE = "Pièces jointes introuvables au moment de l'envoi, non jointes à ce message :"

# The first bytes of the files the bot attaches (photos, labels), surer than a file's extension.
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


class MalformedEmail(ValueError):
    """The payload cannot make an e-mail (no recipient, no subject...): sending again cannot help."""


def build_message(row: OutboxMessage, *, sender: str, data_dir: Path) -> EmailMessage:
    """The e-mail of `row`, from `sender`; reads the attachments (call it off the event loop)."""
    payload = row.payload
    message = EmailMessage()
    message["From"] = sender
    message["To"] = _address(payload.get("to") or row.chat_id, "to")
    if payload.get("reply_to"):
        message["Reply-To"] = _address(payload["reply_to"], "reply_to")
    message["Subject"] = " ".join(
        _text(payload, "subject").split()
    )  # one line, whatever it was given
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id(row, sender)
    attachments, missing = _read(_paths(payload.get("attachments")), data_dir)
    message.set_content(_body(_text(payload, "text"), missing))
    for name, data in attachments:
        maintype, _, subtype = mime_type(name, data).partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message


def message_id(row: OutboxMessage, sender: str) -> str:
    """The same for every try of one row (a resend after a crash is recognisable), unique per row."""
    address = mailbox(sender)
    domain = address.domain if address is not None else "localhost"
    # The creation time keeps ids apart should the row ids ever start again (a new database).
    created = f".{row.created_at:%Y%m%d%H%M%S}" if row.created_at is not None else ""
    return f"<returnbot.outbox.{row.id}{created}@{domain}>"


def mime_type(name: str, data: bytes) -> str:
    """`image/jpeg`, `application/pdf`...: from the file's first bytes, else from its name."""
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def _address(value: Any, field: str) -> str:
    if not isinstance(value, str) or mailbox(value) is None:
        raise MalformedEmail(f"{field} is not one e-mail address: {value!r}")
    return value


def _text(payload: dict[str, Any], field: str) -> str:
    value = payload.get(field)
    if not isinstance(value, str) or not value.strip():
        raise MalformedEmail(f"no {field}")
    return value


def _paths(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise MalformedEmail(f"attachments is not a list of paths: {value!r}")
    return value


def _read(paths: list[str], data_dir: Path) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The attachments' (name, bytes), and the names of those that could not be read."""
    found: list[tuple[str, bytes]] = []
    missing: list[str] = []
    for text in paths:
        path = Path(text) if Path(text).is_absolute() else data_dir / text
        try:
            found.append((path.name, path.read_bytes()))
        except OSError as error:
            log.error("e-mail attachment %s cannot be read (%s); sending without it", path, error)
            missing.append(path.name)
    return found, missing


def _body(text: str, missing: list[str]) -> str:
    if not missing:
        return text
    listed = "\n".join(f"- {name}" for name in missing)
    return f"{text.rstrip()}\n\n{MISSING_NOTE}\n{listed}\n"
