"""E-mail addresses: one address, as a person writes it, or none."""

from __future__ import annotations

import pytest

from bot.mail.addresses import mailbox


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("retours@boutique.fr", "retours@boutique.fr"),
        ("Ma Boutique <retours@boutique.fr>", "retours@boutique.fr"),
        ('"Dupont, SARL" <sav@dupont.example>', "sav@dupont.example"),
    ],
)
def test_one_address_is_read_with_its_name(text: str, address: str) -> None:
    found = mailbox(text)
    assert found is not None and found.addr_spec == address


@pytest.mark.parametrize(
    "text",
    [
        "",
        "retours chez boutique.fr",
        "retours@boutique",
        "a@boutique.fr, b@boutique.fr",
        "Ma Boutique <retours@boutique.fr",
        "retours@boutique.fr\nBcc: x@y.fr",
    ],
)
def test_anything_but_one_address_is_none(text: str) -> None:
    assert mailbox(text) is None
