"""E-mails to suppliers: how one e-mail outbox row is sent over SMTP, and what the server's answers mean.

The rows are read, retried and marked by `bot.channels.outbox.OutboxWorker`; here is only the SMTP
side. A connection that fails, times out or drops, and any 4xx answer, is tried again later (the
worker backs off, up to `MAX_BACKOFF`). A 5xx answer to the sender, the recipient or the message sets
the row aside, as does a payload that cannot make an e-mail. Refused credentials are a matter of
settings, not of the row: tried again, so that the requests go once the settings are right.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.outbox import FailureHook, OutboxWorker, Rejected, Retry
from bot.channels.writes import WriteGate
from bot.config import SmtpSettings
from bot.mail.message import MalformedEmail, build_message
from bot.storage.models import OutboxMessage

__all__ = ["CHANNEL", "MAX_BACKOFF", "EmailDelivery", "email_sender"]

CHANNEL = "email"
MAX_BACKOFF = 600.0  # seconds: a mail server that is down is rarely back within seconds
TIMEOUT = 60.0  # seconds for connecting and for each SMTP command

_SECURITY: dict[str, dict[str, bool]] = {
    "starttls": {"use_tls": False, "start_tls": True},  # never falls back to sending in clear
    "tls": {"use_tls": True, "start_tls": False},
    "none": {"use_tls": False, "start_tls": False},
}
# 530 "authentication required" answers MAIL FROM when the settings lack credentials.
_SETTINGS_CODES = frozenset({530})


class EmailDelivery:
    """Sends one e-mail outbox row through the SMTP server of the settings."""

    channel = CHANNEL

    def __init__(self, smtp: SmtpSettings, *, data_dir: Path, timeout: float = TIMEOUT) -> None:
        self._smtp = smtp
        self._data_dir = data_dir
        self._timeout = timeout

    async def send(self, row: OutboxMessage) -> None:
        try:
            message = await asyncio.to_thread(
                build_message, row, sender=self._smtp.sender, data_dir=self._data_dir
            )
        except MalformedEmail as error:
            raise Rejected(f"malformed e-mail: {error}") from error
        try:
            await aiosmtplib.send(message, **self._connection())
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [refused.code for refused in error.recipients]
            reasons = "; ".join(f"{r.recipient}: {_said(r)}" for r in error.recipients)
            raise _answered(min(codes), f"recipient refused: {reasons}") from error
        except (
            aiosmtplib.SMTPAuthenticationError,
            aiosmtplib.SMTPHeloError,
            aiosmtplib.SMTPConnectResponseError,
        ) as error:
            raise Retry(f"{type(error).__name__}: {_said(error)}") from error
        except aiosmtplib.SMTPResponseException as error:
            raise _answered(error.code, f"{type(error).__name__}: {_said(error)}") from error
        except aiosmtplib.SMTPNotSupported as error:  # an address that needs SMTPUTF8
            raise Rejected(f"{type(error).__name__}: {error}") from error
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            raise Retry(f"{type(error).__name__}: {error}") from error

    def _connection(self) -> dict[str, Any]:
        return {
            "hostname": self._smtp.host,
            "port": self._smtp.port,
            "username": self._smtp.username,
            "password": self._smtp.password,
            "timeout": self._timeout,
            **_SECURITY[self._smtp.security],
        }


def email_sender(
    smtp: SmtpSettings,
    sessions: async_sessionmaker[AsyncSession],
    gate: WriteGate,
    *,
    data_dir: Path,
    on_failure: FailureHook | None = None,
    max_backoff: float = MAX_BACKOFF,
) -> OutboxWorker:
    """The e-mail outbox worker: no pacing (a mail server takes a few messages a minute easily)."""
    return OutboxWorker(
        EmailDelivery(smtp, data_dir=data_dir),
        sessions,
        gate,
        max_backoff=max_backoff,
        on_failure=on_failure,
    )


def _answered(code: int, reason: str) -> Exception:
    """What a refusal means: 4xx, later; 5xx, never (but for the settings' own faults)."""
    if code < 500 or code in _SETTINGS_CODES:
        return Retry(reason)
    return Rejected(reason)


def _said(error: aiosmtplib.SMTPResponseException) -> str:
    return f"{error.code} {error.message}"
