"""Fixtures of the e-mail tests: a loopback SMTP server and the settings that point at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.config import SmtpSettings
from tests.bot.mail.smtp_server import Mailbox, free_port, smtp_server

SENDER = "Boutique Démo <retours@boutique-demo.fr>"


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def server(mailbox: Mailbox, smtp_port: int) -> Iterator[None]:
    controller = smtp_server(mailbox, smtp_port)
    controller.start()
    try:
        yield
    finally:
        controller.stop()


@pytest.fixture
def smtp(smtp_port: int) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=smtp_port, sender=SENDER, security="none")
