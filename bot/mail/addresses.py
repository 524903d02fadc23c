"""E-mail addresses as a person writes them: `retours@boutique.fr` or `Ma Boutique <retours@boutique.fr>`."""

from __future__ import annotations

import re
from email.headerregistry import Address, AddressHeader, HeaderRegistry

_HEADERS = HeaderRegistry()
# Stricter than RFC 5322 on purpose: a domain with a dot, no spaces (a typo, not an exotic address).
_ADDR_SPEC = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")


def mailbox(text: str) -> Address | None:
    """The one address `text` names (with its display name), or None if it names none or several."""
    header = _HEADERS("To", text)
    if not isinstance(header, AddressHeader) or header.defects or len(header.addresses) != 1:
        return None
    address = header.addresses[0]
    return address if _ADDR_SPEC.match(address.addr_spec) else None
