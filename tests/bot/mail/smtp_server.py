"""A real SMTP server on the loopback (aiosmtpd) that keeps what it receives, and can refuse it."""

from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


@dataclass
class Received:
    """One message as the server took it: the envelope and the parsed e-mail."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    login: str | None  # the account the client logged in as, if it did


@dataclass
class Mailbox:
    """The server's handler: keeps each message; first gives the answers queued in `refuse_rcpt`
    and `refuse_data`, one per command, in turn."""

    received: list[Received] = field(default_factory=list)
    refuse_rcpt: list[str] = field(default_factory=list)
    refuse_data: list[str] = field(default_factory=list)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.refuse_rcpt:
            return self.refuse_rcpt.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.refuse_data:
            return self.refuse_data.pop(0)
        content: Any = envelope.content  # as on the wire: lines end in CRLF
        message = email.message_from_bytes(
            content.replace(b"\r\n", b"\n"), policy=email.policy.default
        )
        assert isinstance(message, EmailMessage)
        auth = session.auth_data
        login = auth.login.decode() if isinstance(auth, LoginPassword) else None
        self.received.append(
            Received(str(envelope.mail_from), list(envelope.rcpt_tos), message, login)
        )
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def smtp_server(
    mailbox: Mailbox, port: int, *, account: tuple[str, str] | None = None
) -> Controller:
    """The server (not started) on 127.0.0.1:`port`, without TLS; with `account` (login,
    password), it offers AUTH (over the plain connection) and accepts only that account."""
    if account is None:
        return Controller(mailbox, hostname="127.0.0.1", port=port)

    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        given = (data.login.decode(), data.password.decode())
        return AuthResult(success=given == account, handled=False, auth_data=data)

    return Controller(
        mailbox, hostname="127.0.0.1", port=port, authenticator=authenticate, auth_require_tls=False
    )
